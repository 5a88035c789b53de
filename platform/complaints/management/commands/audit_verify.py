"""`manage.py audit_verify [--schema pemda_31] [--hub URL]`: recompute each Pemda's audit hash chain,
then compare it with the checkpoints the hub signed of it.

A chain that recomputes can still have been rewritten by someone with the database superuser's
rights (UPDATE an event with the append-only trigger off, recompute every later hash). The hub's
signed checkpoints are outside their reach: the rewritten chain no longer ends, at a signed
position, in the signed hash. The checkpoints are read from the hub of this deployment, or over
HTTP from `--hub` / LAPOR_AUDIT_HUB_URL for a Pemda with its own deployment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from complaints.audit import audit_first_broken_link
from complaints.checkpoints import checkpoint_check, hub_checkpoints
from complaints.models import AuditEvent
from tenants.models import Pemda, PemdaKind


class Command(BaseCommand):
    help = (
        "Verify the append-only audit trail of every Pemda (or one), report the first broken link, "
        "and compare each chain with the hub's signed checkpoints."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="only this tenant schema, e.g. pemda_31")
        parser.add_argument(
            "--hub", default="", help="the hub's base URL (default: LAPOR_AUDIT_HUB_URL, else this deployment's hub)"
        )
        parser.add_argument("--no-checkpoints", action="store_true", help="recompute the chains only")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Pemda.objects.exclude(kind=PemdaKind.HUB).order_by("code")
        if options["schema"]:
            tenants = tenants.filter(schema_name=options["schema"])
            if not tenants.exists():
                raise CommandError(f"unknown schema {options['schema']}")
        broken = tampered = checked = 0
        for pemda in tenants:
            with tenant_context(pemda):
                event = audit_first_broken_link()
                count = AuditEvent.objects.count()
                if event is None:
                    self.stdout.write(f"{pemda.schema_name}: ok ({count} events)")
                else:
                    broken += 1
                    self.stdout.write(
                        f"{pemda.schema_name}: BROKEN at event #{event.pk} ({event.action}, report {event.report_id}, "
                        f"{event.at:%Y-%m-%d %H:%M:%S})"
                    )
                if options["no_checkpoints"]:
                    continue
                try:
                    listing = hub_checkpoints(pemda.code, hub_url=options["hub"])
                except Exception as exc:  # the hub unreachable: said, and the run fails
                    tampered += 1
                    self.stdout.write(f"{pemda.schema_name}: checkpoints UNREADABLE ({type(exc).__name__}: {exc})")
                    continue
                result = checkpoint_check(checkpoints=listing["checkpoints"], key_document=listing["key"])
            checked += result.checked
            if result.tampered:
                tampered += 1
                for one in result.mismatched:
                    self.stdout.write(
                        f"{pemda.schema_name}: TAMPERED: the chain at #{one['position']} does not match the hub's "
                        f"checkpoint of {one['day']} ({one['reason']})"
                    )
                if result.bad_signatures:
                    self.stdout.write(
                        f"{pemda.schema_name}: {result.bad_signatures} checkpoint(s) with a BAD SIGNATURE"
                    )
            else:
                self.stdout.write(f"{pemda.schema_name}: {result.checked} checkpoint(s) match")
        if not options["no_checkpoints"]:
            self.stdout.write(f"checkpoints checked: {checked}, tampering detected: {tampered} Pemda")
        if broken or tampered:
            raise CommandError(f"{broken} audit chain(s) broken, {tampered} differ from the hub's checkpoints")
