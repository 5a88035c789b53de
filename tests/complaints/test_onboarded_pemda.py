"""A freshly onboarded Pemda takes reports at once: categories seeded, clocks in its own zone, audit chained."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Category
from tenants.models import Pemda
from tenants.services import pemda_onboard
from tests.complaints.conftest import Api

WIT = ZoneInfo("Asia/Jayapura")


def test_report_to_kota_jayapura_runs_on_wit(hub: Pemda) -> None:
    pemda_onboard(code="91.71")  # Kota Jayapura, with its province
    jayapura = Pemda.objects.get(code="91.71")
    with tenant_context(jayapura):
        assert Category.objects.filter(code="jalan").exists()  # the complaints seeder ran at onboarding
    api = Api(host=jayapura.domains.get(is_primary=True).domain)
    # Friday 27 Nov 2026, 08:00 in Jayapura: three working days are Mon 30, Tue 1 and Wed 2 December.
    with time_machine.travel(datetime(2026, 11, 27, 8, 0, tzinfo=WIT), tick=False):
        submitted = api.submit(category="jalan", title="Jalan rusak di Abepura", text="Aspal berlubang dekat pasar.")
    assert submitted["verify_due_at"] == "2026-12-02T23:59:59+09:00"
    with tenant_context(jayapura):
        assert AuditEvent.objects.filter(action="submitted").count() == 1
        call_command("audit_verify", schema=jayapura.schema_name)
