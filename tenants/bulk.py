"""Onboarding and upgrading many Pemda at once, in a few worker processes.

Processes, not threads: the per-tenant work is a mix of Python (ORM, templates) and database
round trips, and one Python process keeps one core busy at most. The pool is forked after Django
is set up and after the parent has loaded the migration graph and the schema blueprint, so each
worker starts warm; the parent closes its database connections before forking and each worker
opens its own. Workers recycle their connection every RECYCLE_EVERY tenants, because a
PostgreSQL backend keeps the catalog entries of every schema it touched (about 100 MB after
touching 552 schemas).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context

from django.db import connection, connections

RECYCLE_EVERY = 40

_done_here = 0


def default_workers() -> int:
    # The database server needs the machine's cores as much as the workers do; one worker per
    # core (at least two, so a round trip in one overlaps work in the other) measured best.
    return max(2, os.cpu_count() or 2)


def _worker_init() -> None:
    # The forked child inherited the parent's (closed) connection objects; make sure it never
    # talks over a socket that belongs to the parent.
    for conn in connections.all(initialized_only=True):
        conn.connection = None


def _recycle() -> None:
    global _done_here
    _done_here += 1
    if _done_here % RECYCLE_EVERY == 0:
        connection.close()


def _provision(pemda_id: int, admin_email: str, reseed: bool) -> object:
    from tenants.models import Pemda
    from tenants.services import OnboardingResult, Outcome, pemda_provision

    try:
        return pemda_provision(pemda_id=pemda_id, admin_email=admin_email, reseed=reseed)
    except Exception as exc:
        pemda = Pemda.objects.filter(pk=pemda_id).values_list("code", "name").first() or ("?", "?")
        message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        return OnboardingResult(code=pemda[0], name=pemda[1], outcome=Outcome.FAILED, message=message)
    finally:
        _recycle()


@dataclass(frozen=True)
class MigrateResult:
    schema: str
    applied: tuple[str, ...]
    error: str = ""


def _migrate(schema_name: str) -> MigrateResult:
    from tenants.schemas import SchemaError, schema_migrate_pending

    try:
        return MigrateResult(schema=schema_name, applied=tuple(schema_migrate_pending(schema_name=schema_name)))
    except SchemaError as exc:
        return MigrateResult(schema=schema_name, applied=(), error=str(exc))
    finally:
        _recycle()


def _run_pool(
    calls: list[tuple[Callable[..., object], tuple[object, ...]]],
    *,
    workers: int,
    on_result: Callable[[object], None],
) -> None:
    connections.close_all()
    if workers <= 1:
        for fn, args in calls:
            on_result(fn(*args))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"), initializer=_worker_init) as pool:
        futures: list[Future[object]] = [pool.submit(fn, *args) for fn, args in calls]
        try:
            for future in as_completed(futures):
                on_result(future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def pemda_provision_many(
    *, pemda_ids: list[int], workers: int, on_result: Callable[[object], None], reseed: bool = False
) -> None:
    """Provision registered Pemda in parallel; each result (OnboardingResult) goes to on_result."""
    from tenants.schemas import blueprint_load

    blueprint_load()  # once, in the parent: the workers inherit it
    _run_pool([(_provision, (pid, "", reseed)) for pid in pemda_ids], workers=workers, on_result=on_result)


def schemas_migrate_all(*, schemas: list[str], workers: int, on_result: Callable[[object], None]) -> None:
    """Apply pending migrations to every schema, each in its own transaction; results are MigrateResult."""
    from tenants.schemas import migrations_load

    migrations_load()  # the graph, once, in the parent
    _run_pool([(_migrate, (schema,)) for schema in schemas], workers=workers, on_result=on_result)
