"""Read replica: the read-only pages read from a streaming standby, everything else from the primary.

`DATABASE_REPLICA_URL` adds a `replica` database alias (the same django-tenants backend, so the
tenant's search_path is set on that connection too). Nothing reads from it by default: only a
view wrapped in `replica_reads` (the pimpinan dashboard, public monitoring, open data, the hub
league) sends its ORM reads there, through `ReplicaRouter`, while that view runs. Writes always go
to the primary, as do reads of accounts and sessions (a login just written must be seen at once).

Before a view reads from the replica, the replica's lag is checked (at most every
`LAPOR_REPLICA_CHECK_SECONDS` per process): when it is unreachable, not streaming and behind, or
more than `LAPOR_REPLICA_MAX_LAG_SECONDS` behind, the view reads from the primary instead. A view
whose replica connection breaks half-way is run again on the primary (these views only read).

`replica_status()` is what /readyz reports; `replica_lag_seconds()` is the metric.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

REPLICA = "replica"
# Read from the primary even inside a replica view: who is signed in, their session and rights.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "contenttypes", "accounts", "axes", "knox", "citizens"})

_reading: ContextVar[bool] = ContextVar("lapor_replica_reading", default=False)
_status_lock = threading.Lock()
_status: dict[str, Any] = {}

# The lag, measured on the standby. An idle primary sends no new transactions, so "time since the
# last replayed commit" grows while nothing is missing: when all received WAL is replayed the lag is 0.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                 AND NOT pg_is_wal_replay_paused() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
       END::float8,
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1)
"""


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads go to the replica only inside `reading_from_replica()`; writes always to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if not _reading.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        _follow_tenant()
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        # Explicit: without an answer Django would write an object back to the database it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the standby follows the primary's migrations


def _follow_tenant() -> None:
    """Point the replica connection at the schema the primary connection is on (its search_path)."""
    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    tenant = getattr(primary, "tenant", None)
    if tenant is not None:
        replica.set_tenant(tenant, getattr(primary, "include_public_schema", True))  # type: ignore[attr-defined]


def _measure() -> dict[str, Any]:
    conn = connections[REPLICA]
    started = time.monotonic()
    try:
        conn.ensure_connection()
        with conn.connection.cursor() as cursor:  # the driver's cursor: no search_path needed
            cursor.execute(LAG_SQL)
            in_recovery, lag, receiver = cursor.fetchone()
    except Exception as exc:  # any driver error: the replica is not usable now
        conn.close()
        text = str(exc).strip().splitlines()
        return {"ok": False, "error": f"{type(exc).__name__}: {text[0] if text else ''}"}
    lag = round(float(lag), 3)
    max_lag = settings.LAPOR_REPLICA_MAX_LAG_SECONDS
    ok = lag <= max_lag
    result: dict[str, Any] = {
        "ok": ok,
        "lag_s": lag,
        "max_lag_s": max_lag,
        "in_recovery": bool(in_recovery),
        "wal_receiver": receiver,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    if not ok:
        result["error"] = "too far behind"
    return result


def replica_status(*, fresh: bool = False) -> dict[str, Any]:
    """The replica's state as last measured by this process (measured again when older than
    LAPOR_REPLICA_CHECK_SECONDS, or when `fresh`): ok, lag_s, or the error."""
    if not configured():
        return {"configured": False, "ok": False}
    now = time.monotonic()
    with _status_lock:
        if not fresh and _status and now - _status["at"] < settings.LAPOR_REPLICA_CHECK_SECONDS:
            return {k: v for k, v in _status.items() if k != "at"}
    measured = {"configured": True, **_measure()}
    with _status_lock:
        _status.clear()
        _status.update(measured, at=time.monotonic())
    return measured


def replica_lag_seconds() -> float | None:
    """Seconds the replica is behind the primary (None: no replica, or unreachable); for metrics."""
    status = replica_status()
    return status.get("lag_s") if "lag_s" in status else None


def _mark_down(error: str) -> None:
    with _status_lock:
        _status.clear()
        _status.update(configured=True, ok=False, error=error, at=time.monotonic())


@contextmanager
def reading_from_replica() -> Iterator[bool]:
    """Send this block's ORM reads to the replica when it is usable; yields whether it is."""
    if _reading.get() or not configured() or not replica_status()["ok"]:
        yield _reading.get()
        return
    token = _reading.set(True)
    try:
        yield True
    finally:
        _reading.reset(token)


V = TypeVar("V", bound=Callable[..., Any])


def replica_reads(view: V) -> V:
    """Run a read-only view's queries on the replica (on the primary when it is unusable)."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - resolve the lazy user (and session) on the primary
        with reading_from_replica() as on_replica:
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                replica = connections[REPLICA] if on_replica else None
                if replica is None or replica.connection is None or replica.is_usable():
                    raise
                replica.close()
                _mark_down(f"{type(exc).__name__}: {str(exc).strip()[:200]}")
        return view(request, *args, **kwargs)  # the replica broke half-way: read it all from the primary

    return wrapped  # type: ignore[return-value]


def read_connection() -> Any:
    """The connection a raw read query of a replica view uses (the primary's outside one)."""
    if not _reading.get():
        return connections[DEFAULT_DB_ALIAS]
    _follow_tenant()
    return connections[REPLICA]
