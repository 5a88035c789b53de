"""`manage.py audit_verify_report TRACKING-ID --pemda URL --hub URL`: check one report's public
history against the hub's signed checkpoint, over HTTP, as any outsider can
(complaints.historycheck, which also runs alone: `python3 historycheck.py …`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.historycheck import verify_report


class Command(BaseCommand):
    help = "Verify a report's history (its audit events and their chain) against the hub's signed checkpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("tracking_id")
        parser.add_argument("--pemda", required=True, help="the Pemda's site, e.g. http://jakarta.localhost:8000")
        parser.add_argument("--hub", required=True, help="the hub, e.g. http://localhost:8000")
        parser.add_argument("--hub-key", default="", help="pin the hub's public key (base64) instead of fetching it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = verify_report(
                options["tracking_id"],
                pemda_url=options["pemda"],
                hub_url=options["hub"],
                hub_key=options["hub_key"],
                say=self.stdout.write,
            )
        except (LookupError, OSError, ValueError, KeyError) as exc:
            raise CommandError(f"verification failed: {exc}") from exc
        if not outcome.ok:
            raise CommandError("the report's history does NOT match the hub's checkpoint")
