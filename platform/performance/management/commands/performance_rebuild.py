"""`manage.py performance_rebuild [--schema S]`: count every report of a Pemda (or of all) again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from performance.aggregate import stats_rebuild
from tenants.models import Pemda, PemdaKind, PemdaStatus


class Command(BaseCommand):
    help = "Forget the performance sums and count every report again from the reports themselves."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="one Pemda's schema (default: every onboarded Pemda)")

    def handle(self, *args: Any, **options: Any) -> None:
        pemdas = Pemda.objects.exclude(kind=PemdaKind.HUB).filter(status=PemdaStatus.LIVE)
        if options["schema"]:
            pemdas = pemdas.filter(schema_name=options["schema"])
        for pemda in pemdas.order_by("schema_name"):
            with tenant_context(pemda):
                counted = stats_rebuild()
            self.stdout.write(f"{pemda.schema_name}: {counted} reports counted")
