"""A Pemda's referral links move from the public table into its own schema (complaints 0005).

Rows written before the move sit in public.sync_referrallink, one table for every Pemda; each
schema's migration copies its own Pemda's rows and nobody else's, and copying again adds nothing.
"""

from __future__ import annotations

import importlib

from django.db import connection
from django_tenants.utils import tenant_context

from complaints.models import ReferralLink, Report
from tenants.models import Pemda
from tests.complaints.conftest import Api

MIGRATION = importlib.import_module("complaints.migrations.0005_referrallink")


class _Editor:
    connection = connection


def _legacy_link(key: str, party: str, report_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.sync_referrallink (referral_key, party, role, report_id, tracking_id, reply_to,"
            " applied_version, mirrored_followups) VALUES (%s, %s, 'origin', %s, 'ABCD-EFGHJ', 'hub', 3, %s)",
            [key, party, report_id, ["32.75:1"]],
        )


def test_each_schema_copies_its_own_links_once(api: Api, jakarta: Pemda, bekasi: Pemda) -> None:
    submitted = api.submit()
    with tenant_context(jakarta):
        report_id = Report.objects.get(tracking_id=submitted["tracking_id"]).pk
    _legacy_link("hub/31/1", "31", report_id)
    _legacy_link("hub/32.75/1", "32.75", report_id)  # Bekasi's row: not Jakarta's to take
    with tenant_context(jakarta):
        MIGRATION.copy_own_links(None, _Editor())
        MIGRATION.copy_own_links(None, _Editor())
        copied = list(ReferralLink.objects.values_list("referral_key", "report_id", "applied_version"))
        assert copied == [("hub/31/1", report_id, 3)]
        assert ReferralLink.objects.get().mirrored_followups == ["32.75:1"]
    with tenant_context(bekasi):
        # Bekasi takes its own row only if the report it names exists there: nothing dangling.
        MIGRATION.copy_own_links(None, _Editor())
        assert not ReferralLink.objects.exists()
