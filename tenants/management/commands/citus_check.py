"""`manage.py citus_check`: what in this database stands in the way of Citus schema-based sharding.

Reads only the catalog (and the Pemda registry), so it runs against plain PostgreSQL, where it
says what has to change before `citus_schema_distribute` is called on each Pemda schema, and
against a Citus coordinator, where it also says which Pemda schemas are distributed yet. The
rules it checks are the ones docs/citus.md derives from Citus's documentation, source and
regression tests:

- a table in a distributed schema may reference (foreign key) only tables of its own schema or
  reference tables; nothing outside may reference it;
- identity columns narrower than bigint: some Citus releases refuse to distribute them, others
  distribute them but cannot fill them from a worker node; bigint is safe in both;
- triggers on distributed tables need `citus.enable_unsafe_triggers`;
- a table without a primary key or replica identity cannot be moved with logical replication
  (`citus_schema_move` in its default mode), only by blocking writes;
- foreign tables and inheritance are refused inside a distributed schema.

The exit status is non-zero when something would make `citus_schema_distribute` fail.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tenants.schemas import TEMPLATE_SCHEMA, schemas_of_tenants


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _citus_version() -> str | None:
    rows = _rows("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
    return str(rows[0][0]) if rows else None


def _setting(name: str) -> str | None:
    rows = _rows("SELECT current_setting(%s, true)", [name])
    return None if not rows or rows[0][0] is None else str(rows[0][0])


def _reference_tables() -> set[str]:
    """Qualified names of the reference tables (empty without Citus)."""
    if not _rows("SELECT 1 FROM pg_class WHERE oid = to_regclass('pg_catalog.pg_dist_partition')"):
        return set()
    # partmethod 'n' with replication model 't' (two-phase, on every node) is a reference table.
    return {
        str(r[0])
        for r in _rows(
            "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_dist_partition p"
            " JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE p.partmethod = 'n' AND p.repmodel = 't'"
        )
    }


def _distributed_schemas() -> set[str] | None:
    """Schemas registered for schema-based sharding (None without Citus 12+)."""
    for table in ("pg_dist_schema", "pg_dist_tenant_schema"):  # renamed in Citus 12.1
        if _rows("SELECT 1 FROM pg_class WHERE oid = to_regclass(%s)", [f"pg_catalog.{table}"]):
            return {str(r[0]) for r in _rows(f"SELECT schemaid::regnamespace::text FROM pg_catalog.{table}")}
    return None


class Command(BaseCommand):
    help = "Check the Pemda schemas against Citus schema-based sharding's rules (catalog reads only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", action="append", default=[], help="only these Pemda schemas")
        parser.add_argument("--largest", type=int, default=5, help="list the N largest Pemda schemas")

    def handle(self, *args: Any, **options: Any) -> None:
        schemas = schemas_of_tenants()
        if options["schema"]:
            unknown = sorted(set(options["schema"]) - set(schemas))
            if unknown:
                raise CommandError(f"Skema tidak dikenal: {', '.join(unknown)}. (Unknown schema.)")
            schemas = [s for s in schemas if s in options["schema"]]
        if not schemas:
            raise CommandError("No Pemda schema to check.")
        tenant = set(schemas)
        blockers: list[str] = []
        settings_needed: list[str] = []
        notes: list[str] = []

        version = _citus_version()
        references = _reference_tables()

        # 1. Foreign keys that leave a Pemda schema, or point into one from outside.
        outward: dict[str, set[str]] = defaultdict(set)
        for src_schema, src, dst_schema, dst in _rows(
            "SELECT cn.nspname, c.relname, fn.nspname, f.relname FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace"
            " JOIN pg_class f ON f.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace"
            " WHERE k.contype = 'f' AND cn.oid <> fn.oid AND (cn.nspname = ANY(%s) OR fn.nspname = ANY(%s))",
            [schemas, schemas],
        ):
            target = f"{dst_schema}.{dst}"
            if src_schema in tenant and dst_schema not in tenant:
                if target not in references:
                    outward[target].add(f"{src_schema}.{src}")
            else:
                blockers.append(
                    f"FK {src_schema}.{src} -> {target}: tables outside a distributed schema cannot reference it"
                )
        for target, sources in sorted(outward.items()):
            blockers.append(
                f"FK from {len(sources)} Pemda table(s) (e.g. {min(sources)}) to {target}: "
                "make it a reference table (create_reference_table) or drop the key"
            )

        # 2. Identity and serial columns narrower than bigint.
        narrow: dict[str, int] = defaultdict(int)
        for table, column, kind in _rows(
            "SELECT c.relname, a.attname, CASE WHEN a.attidentity <> '' THEN 'identity' ELSE 'serial' END"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
            " AND a.atttypid IN ('int2'::regtype, 'int4'::regtype)"
            " AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%')",
            [schemas],
        ):
            narrow[f"{table}.{column} ({kind})"] += 1
        for column, count in sorted(narrow.items()):
            blockers.append(
                f"{column} is smaller than bigint in {count} schema(s): ALTER ... TYPE bigint before distributing"
            )

        # 3. Foreign tables and inheritance inside a Pemda schema.
        for schema, table, why in _rows(
            "SELECT n.nspname, c.relname, CASE WHEN c.relkind = 'f' THEN 'foreign table' ELSE 'inheritance' END"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s)"
            " AND (c.relkind = 'f' OR (c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_inherits i"
            " WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)))",
            [schemas],
        ):
            blockers.append(f"{schema}.{table}: {why} is not allowed in a distributed schema")

        # 4. Triggers (pgtrigger's append-only guard on the audit chain).
        triggers: dict[str, int] = defaultdict(int)
        for table, name in _rows(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND NOT t.tgisinternal",
            [schemas],
        ):
            triggers[f"{table}.{name}"] += 1
        if triggers:
            current = _setting("citus.enable_unsafe_triggers") if version else None
            state = f" (now: {current})" if current is not None else ""
            settings_needed.append(
                f"citus.enable_unsafe_triggers = on{state}, on the coordinator and every worker, for "
                + ", ".join(f"{k} in {v} schema(s)" for k, v in sorted(triggers.items()))
            )

        # 5. Tables that logical replication cannot move (no primary key, no replica identity).
        unmovable: dict[str, int] = defaultdict(int)
        for (table,) in _rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = ANY(%s) AND c.relkind = 'r' AND (c.relreplident = 'n' OR (c.relreplident = 'd'"
            " AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))",
            [schemas],
        ):
            unmovable[table] += 1
        for table, count in sorted(unmovable.items()):
            notes.append(
                f"{table} ({count} schema(s)) has no primary key or replica identity: "
                "citus_schema_move would need shard_transfer_mode 'block_writes'"
            )

        # 6. Functions kept in each Pemda schema, extensions every node must have.
        functions: dict[str, int] = defaultdict(int)
        for (name,) in _rows(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)",
            [schemas],
        ):
            functions[name] += 1
        if functions:
            notes.append(
                "functions in the Pemda schemas (run on the coordinator, each statement routed to the "
                "schema's node): " + ", ".join(f"{k} ({v})" for k, v in sorted(functions.items()))
            )
        extensions = [
            str(r[0]) for r in _rows("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")
        ]
        notes.append("extensions every node must have: " + (", ".join(extensions) or "-"))

        # 7. The template must stay a local schema: onboarding dumps its DDL with pg_dump.
        template_distributed = False
        distributed = _distributed_schemas()
        if distributed is not None:
            template_distributed = TEMPLATE_SCHEMA in distributed
            if template_distributed:
                blockers.append(
                    f"{TEMPLATE_SCHEMA} is distributed: undistribute it (citus_schema_undistribute); "
                    "onboarding reads its DDL and rows on the coordinator"
                )
            missing = [s for s in schemas if s not in distributed]
            notes.append(f"Pemda schemas not distributed yet: {len(missing)} of {len(schemas)}")
            notes.append(f"citus.enable_schema_based_sharding = {_setting('citus.enable_schema_based_sharding')}")

        # 8. Where the data is: the largest Pemda schemas are the first candidates for a node of their own.
        # On a coordinator a distributed table's own relation is empty: its shards hold the rows.
        size = (
            "CASE WHEN EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)"
            " THEN citus_total_relation_size(c.oid, fail_on_error => false) ELSE pg_total_relation_size(c.oid) END"
            if version
            else "pg_total_relation_size(c.oid)"
        )
        largest = _rows(
            f"SELECT n.nspname, sum({size})::bigint AS size FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'm')"
            " GROUP BY 1 ORDER BY 2 DESC",
            [schemas],
        )
        total = sum(int(r[1]) for r in largest)

        self.stdout.write(
            f"Citus: {version or 'not installed'}; {len(schemas)} Pemda schemas checked, {total / 2**20:,.0f} MB"
        )
        for schema, size in largest[: max(0, options["largest"])]:
            self.stdout.write(f"  {schema}: {int(size) / 2**20:,.0f} MB")
        for title, items in (
            ("blocks citus_schema_distribute", blockers),
            ("settings needed", settings_needed),
            ("notes", notes),
        ):
            self.stdout.write(f"{title}: {len(items)}")
            for item in items:
                self.stdout.write(f"  - {item}")
        self.stdout.write(
            json.dumps(
                {
                    "check": "citus",
                    "citus": version,
                    "schemas": len(schemas),
                    "bytes": total,
                    "blockers": len(blockers),
                    "settings": len(settings_needed),
                    "template_distributed": template_distributed,
                }
            )
        )
        if blockers:
            raise CommandError(f"{len(blockers)} finding(s) block schema distribution.")
