"""Is a pending migration safe while the previous release still runs? (`make upgrade-check`)

An upgrade without stopping migrates first and replaces the code after, Pemda by Pemda, so for a
while the running code meets the new schema. A migration may therefore only *expand*: add a
table, a nullable column (or one with a database default, `db_default`), an index; copy data.
The *contract* steps that the running code would trip over wait for a later release, once no
running code reads the old shape:

- RemoveField, DeleteModel (the old code still selects and inserts them),
- RenameField, RenameModel, AlterModelTable, a changed db_column (the old code uses the old name),
- AddField that is NOT NULL without `db_default` (the old code's INSERTs leave it out; Django's
  `default` lives in Python, not in the table),
- AlterField to NOT NULL, to another field class, or to a shorter max_length,
- AddConstraint, unique_together (the old code may write rows the constraint refuses),
- RunSQL (cannot be judged from here).

A contract migration that is safe *now* (its release comes after the one that stopped using the
old shape) says so with a class attribute, read by this check and by the reviewer:

    class Migration(migrations.Migration):
        upgrade_contract = "Report.old_title unused since release 2026.11; dropped in 2026.12"
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED, Field


@dataclass
class Verdict:
    app: str
    name: str
    problems: list[str] = field(default_factory=list)
    accepted_because: str = ""

    @property
    def fails(self) -> bool:
        return bool(self.problems) and not self.accepted_because


def _field(state: ProjectState, app: str, model: str, name: str) -> Field | None:
    model_state = state.models.get((app, model.lower()))
    return None if model_state is None else model_state.fields.get(name)


def _not_null_without_db_default(new: Field) -> bool:
    if new.many_to_many:
        return False
    return not new.null and getattr(new, "db_default", NOT_PROVIDED) is NOT_PROVIDED


# Field class changes PostgreSQL makes without the running code noticing (varchar -> text).
_WIDENING = {("CharField", "TextField"), ("SlugField", "TextField"), ("EmailField", "TextField")}


def _operation_problems(op: Any, app: str, state: ProjectState) -> list[str]:
    kind = type(op).__name__
    if isinstance(op, migrations.SeparateDatabaseAndState):
        found: list[str] = []
        inner = state.clone()
        for sub in op.database_operations:
            found += _operation_problems(sub, app, inner)
            sub.state_forwards(app, inner)
        return found
    if isinstance(op, migrations.RemoveField):
        return [f"RemoveField {op.model_name}.{op.name}: the running code still reads and writes it"]
    if isinstance(op, migrations.DeleteModel):
        return [f"DeleteModel {op.name}: the running code still uses its table"]
    if isinstance(op, migrations.RenameField):
        return [f"RenameField {op.model_name}.{op.old_name} -> {op.new_name}: the running code uses the old name"]
    if isinstance(op, migrations.RenameModel):
        return [f"RenameModel {op.old_name} -> {op.new_name}: the running code uses the old table"]
    if isinstance(op, migrations.AlterModelTable):
        return [f"AlterModelTable {op.name}: the running code uses the old table name"]
    if isinstance(op, migrations.AddField):
        if _not_null_without_db_default(op.field):
            return [
                f"AddField {op.model_name}.{op.name} NOT NULL without db_default: the running code's "
                "INSERTs leave it out (make it null=True or give it db_default)"
            ]
        return []
    if isinstance(op, migrations.AlterField):
        old = _field(state, app, op.model_name, op.name)
        new = op.field
        if old is None:
            return []
        found = []
        if old.null and not new.null and getattr(new, "db_default", NOT_PROVIDED) is NOT_PROVIDED:
            found.append(f"AlterField {op.model_name}.{op.name} to NOT NULL: the running code may still write NULL")
        if type(old) is not type(new) and (type(old).__name__, type(new).__name__) not in _WIDENING:
            found.append(
                f"AlterField {op.model_name}.{op.name} from {type(old).__name__} to {type(new).__name__}: "
                "the running code writes the old type"
            )
        if old.db_column != new.db_column:
            found.append(f"AlterField {op.model_name}.{op.name} renames its column: the running code uses the old one")
        old_length, new_length = getattr(old, "max_length", None), getattr(new, "max_length", None)
        if old_length and new_length and new_length < old_length:
            found.append(f"AlterField {op.model_name}.{op.name} shortens max_length {old_length} -> {new_length}")
        return found
    if isinstance(op, migrations.AddConstraint):
        return [f"AddConstraint {op.constraint.name} on {op.model_name}: the running code may write rows it refuses"]
    if isinstance(op, migrations.AlterUniqueTogether) and op.unique_together:
        return [f"AlterUniqueTogether on {op.name}: the running code may write rows it refuses"]
    if isinstance(op, migrations.RunSQL):
        return [f"{kind}: raw SQL cannot be judged; say why it is safe (upgrade_contract)"]
    return []


def judge(migration: migrations.Migration, state: ProjectState) -> Verdict:
    """The operations of `migration` against the project state before it."""
    verdict = Verdict(app=migration.app_label, name=migration.name)
    verdict.accepted_because = str(getattr(migration, "upgrade_contract", "") or "")
    state = state.clone()
    for op in migration.operations:
        verdict.problems += _operation_problems(op, migration.app_label, state)
        op.state_forwards(migration.app_label, state)
    return verdict


def _applied_in(schema: str) -> set[tuple[str, str]] | None:
    """The migrations recorded in `schema`, or None when it has no migration table (nothing runs there)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def pending_in_database() -> tuple[list[tuple[str, str]], list[str]]:
    """Migrations the database has yet to apply, in the public schema and every Pemda schema.

    An app with nothing applied in a schema is new there: no running code uses its tables, so its
    migrations are not judged. Returns the pending nodes (in order) and notes for the operator.
    """
    from django.conf import settings
    from django.db.migrations.executor import MigrationExecutor

    shared = {app.rsplit(".", 1)[-1] for app in settings.SHARED_APPS}
    tenant = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    plan = [node for leaf in graph.leaf_nodes() for node in graph.forwards_plan(leaf)]
    ordered = list(dict.fromkeys(plan))
    notes: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.tenants_pemda')")
        has_registry = cursor.fetchone()[0] is not None
        schemas = ["public"]
        if has_registry:
            cursor.execute("SELECT schema_name FROM public.tenants_pemda WHERE schema_name <> 'public' ORDER BY 1")
            schemas += [row[0] for row in cursor.fetchall()]
    pending: dict[tuple[str, str], None] = {}
    for schema in schemas:
        applied = _applied_in(schema)
        if applied is None:
            notes.append(f"{schema}: no migrations applied yet (nothing runs there)")
            continue
        labels = shared if schema == "public" else tenant
        started = {app for app, _ in applied}
        for node in ordered:
            if node[0] in labels and node[0] in started and node not in applied:
                pending[node] = None
    order = {node: i for i, node in enumerate(ordered)}
    return sorted(pending, key=order.__getitem__), notes


def judge_nodes(nodes: Iterable[tuple[str, str]]) -> list[Verdict]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    verdicts = []
    for node in nodes:
        state = loader.project_state(node, at_end=False)
        verdicts.append(judge(loader.graph.nodes[node], state))
    return verdicts


def judge_files(paths: Iterable[Path]) -> list[Verdict]:
    """Migration files not (yet) in the graph, e.g. a change under review, judged on their dependencies."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    verdicts = []
    for path in paths:
        spec = importlib.util.spec_from_file_location(f"_upgrade_check_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise ValueError(f"{path} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        app = path.resolve().parent.parent.name
        migration = module.Migration(path.stem, app)
        # ("auth", "__first__") and the like name a node only through the loader.
        deps = [loader.check_key(tuple(dep), app) or tuple(dep) for dep in migration.dependencies]
        state = loader.project_state(deps)
        verdicts.append(judge(migration, state))
    return verdicts
