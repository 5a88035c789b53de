"""`manage.py upgrade_tenants`: apply pending migrations to every Pemda schema, in parallel.

Replaces `migrate_schemas --tenant` for many tenants (see tenants.schemas for why). Each schema's
pending migrations are applied in one transaction; a failure is reported with the schema's name,
leaves that schema as it was and does not stop the others. The exit status is non-zero when any
schema failed, so a deploy stops there; running the command again retries only what is pending.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.bulk import MigrateResult, default_workers, schemas_migrate_all
from tenants.schemas import schemas_of_tenants, template_ensure


class Command(BaseCommand):
    help = "Apply pending tenant migrations to all Pemda schemas (one transaction per schema, in parallel)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--schema", action="append", default=[], help="only these schemas")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        schemas = schemas_of_tenants()
        if options["schema"]:
            unknown = sorted(set(options["schema"]) - set(schemas))
            if unknown:
                raise CommandError(f"Skema tidak dikenal: {', '.join(unknown)}. (Unknown schema.)")
            schemas = [s for s in schemas if s in options["schema"]]
        # New Pemda are created from the template: keep it on the same migrations as the others.
        template_ensure()
        results: list[MigrateResult] = []

        def on_result(result: object) -> None:
            assert isinstance(result, MigrateResult)
            results.append(result)
            if result.error:
                self.stderr.write(f"GAGAL {result.error}")

        schemas_migrate_all(schemas=schemas, workers=max(1, options["workers"]), on_result=on_result)
        changed = [r for r in results if r.applied]
        failed = [r for r in results if r.error]
        applied = sorted({name for r in changed for name in r.applied})
        self.stdout.write(
            f"{len(schemas)} skema diperiksa dalam {time.monotonic() - started:.1f} s: "
            f"{len(changed)} diperbarui, {len(schemas) - len(changed) - len(failed)} sudah mutakhir, "
            f"{len(failed)} gagal. Migrasi: {', '.join(applied) or '-'}"
        )
        if failed:
            raise CommandError(
                f"{len(failed)} skema gagal dimigrasi ({', '.join(sorted(r.schema for r in failed))}); "
                "skema lain sudah konsisten. (Failed schemas were left unchanged.)"
            )
