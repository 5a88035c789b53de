"""`manage.py pemda_integrity --code 75.71 [--export file.tar]`: is a (restored) Pemda whole?

Row counts against the export's record (the Pemda's schema and its rows in public), the audit
chain, and every reporter identity opening with this deployment's keys (complaints.integrity).
Fails with the problems it found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.integrity import pemda_integrity
from tenants.models import Pemda
from tenants.offboarding import export_record
from tenants.services import OnboardingError


class Command(BaseCommand):
    help = "Check a Pemda after a restore: row counts, audit chain, identities decrypt with this deployment's keys."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--code", required=True, help="the Pemda's Kemendagri code, e.g. 75.71")
        parser.add_argument("--export", help="the export it was restored from (its row counts are compared)")

    def handle(self, *args: Any, **options: Any) -> None:
        pemda = Pemda.objects.filter(code=options["code"]).first()
        if pemda is None:
            raise CommandError(f"unknown Pemda {options['code']}")
        expected = expected_public = None
        if options["export"]:
            try:
                record = export_record(Path(options["export"]))
            except OnboardingError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            if record["pemda"]["code"] != pemda.code:
                raise CommandError(f"the export is of Pemda {record['pemda']['code']}, not {pemda.code}")
            expected = record.get("row_counts")
            if expected is None:
                raise CommandError("the export records no row counts (made before they were recorded)")
            # Exports made before the public rows travelled with them hold none to compare.
            expected_public = {name: len(rows) for name, rows in record.get("public_rows", {}).items()} or None
        result = pemda_integrity(pemda=pemda, expected_counts=expected, expected_public=expected_public)
        for problem in result.problems:
            self.stdout.write(f"{result.schema}: {problem}")
        counted = "row counts match the export, " if expected is not None and result.ok else ""
        if not result.ok:
            raise CommandError(f"{result.schema}: {len(result.problems)} problem(s)")
        self.stdout.write(
            f"{result.schema}: ok ({counted}{result.audit_events} audit events chained,"
            f" {result.identities} reporter identities decrypt)"
        )
