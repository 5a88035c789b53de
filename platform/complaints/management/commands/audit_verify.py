"""`manage.py audit_verify [--schema pemda_31]`: recompute each Pemda's audit hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from complaints.audit import audit_first_broken_link
from complaints.models import AuditEvent
from tenants.models import Pemda, PemdaKind


class Command(BaseCommand):
    help = "Verify the append-only audit trail of every Pemda (or one) and report the first broken link."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="only this tenant schema, e.g. pemda_31")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Pemda.objects.exclude(kind=PemdaKind.HUB).order_by("code")
        if options["schema"]:
            tenants = tenants.filter(schema_name=options["schema"])
            if not tenants.exists():
                raise CommandError(f"unknown schema {options['schema']}")
        broken = 0
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
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken")
