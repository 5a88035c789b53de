"""`manage.py identity_purge [--schema pemda_31] [--dry-run]`: the retention schedule, by hand.

The same work as the daily Celery beat task (national_hub.tasks.identity_purge_task): every
Pemda (or one), then, without --schema, the hub's copies of named reporters (national_hub.retention).
It prints counts, never a value; running it twice destroys nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.dataprotection import IDENTITY_FIELDS, identity_purge_all
from national_hub.retention import hub_identity_purge
from tenants.models import Pemda


class Command(BaseCommand):
    help = "Destroy reporter identities past their retention period (LAPOR_IDENTITY_RETENTION_DAYS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="only this tenant schema, e.g. pemda_31")
        parser.add_argument("--dry-run", action="store_true", help="count what would be destroyed, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        schema = options["schema"]
        if schema and not Pemda.objects.filter(schema_name=schema).exists():
            raise CommandError(f"unknown schema {schema}")
        results = identity_purge_all(schema=schema, dry_run=options["dry_run"])
        verb = "would destroy" if options["dry_run"] else "destroyed"
        total = 0
        for name, result in results.items():
            total += result.reports
            fields = ", ".join(f"{field} {result.fields[field]}" for field in IDENTITY_FIELDS)
            self.stdout.write(f"{name}: {verb} the identity of {result.reports} report(s) ({fields})")
        self.stdout.write(f"total: {total} report(s) in {len(results)} Pemda")
        if not schema:
            hub = hub_identity_purge(dry_run=options["dry_run"])
            self.stdout.write(
                f"hub: {verb} the reporter in {hub.referrals} referral record(s)"
                f" and {hub.messages} delivered message(s)"
            )
