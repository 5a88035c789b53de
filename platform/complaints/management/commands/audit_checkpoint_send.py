"""`manage.py audit_checkpoint_send [--schema pemda_31] [--day YYYY-MM-DD]`: send each Pemda's (or one's)
audit-chain head to the hub now, as beat does once a day (a day already sent sends nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from complaints.checkpoints import checkpoint_send
from tenants.models import Pemda, PemdaKind, PemdaStatus


class Command(BaseCommand):
    help = "Send the audit-chain head of every live Pemda (or one) to the hub as today's checkpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="only this tenant schema, e.g. pemda_31")
        parser.add_argument("--day", help="the day it is named for (default: today in the Pemda's zone)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Pemda.objects.filter(status=PemdaStatus.LIVE).exclude(kind=PemdaKind.HUB).order_by("code")
        if options["schema"]:
            tenants = tenants.filter(schema_name=options["schema"])
            if not tenants.exists():
                raise CommandError(f"unknown schema {options['schema']}")
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else None
        except ValueError:
            raise CommandError(f"--day must be YYYY-MM-DD, got {options['day']!r}") from None
        for pemda in tenants:
            with tenant_context(pemda):
                outcome = checkpoint_send(day=day)
            self.stdout.write(f"{pemda.schema_name}: {outcome}")
