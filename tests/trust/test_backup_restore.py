"""Backup and restore of one Pemda: its export, restored, passes the integrity check with the
right keys, and the check says so when the keys are wrong or a table came back short."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Report
from complaints.seed import categories_seed
from complaints.services import reporter_identity
from tenants.models import Pemda
from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_restore
from tenants.services import pemda_onboard
from tests.complaints.conftest import Api

pytestmark = pytest.mark.slow


def _drop(*codes: str) -> None:
    for code in codes:
        if Pemda.objects.filter(code=code).exists():
            pemda_archive(code=code)
            pemda_delete(code=code, confirm=code)


@pytest.fixture
def gorontalo(committed: None) -> Iterator[Pemda]:
    """Kota Gorontalo, committed (pg_dump sees only committed data), with two named reporters."""
    _drop("75.71", "75")
    pemda_onboard(code="75.71")
    pemda = Pemda.objects.get(code="75.71")
    with tenant_context(pemda):
        categories_seed(pemda)
    yield pemda
    _drop("75.71", "75")


def _check(**options: str) -> str:
    out = io.StringIO()
    call_command("pemda_integrity", code="75.71", stdout=out, **options)
    return out.getvalue()


def test_a_restored_pemda_passes_the_integrity_check_with_the_right_keys_only(gorontalo: Pemda, tmp_path: Path) -> None:
    api = Api(host="kota-gorontalo.localhost")
    api.submit(reporter_name="Warga Gorontalo Satu", reporter_phone="081355500001", reporter_nik="7571010101010001")
    second = api.submit(reporter_name="Warga Gorontalo Dua", reporter_email="dua@example.id")
    pemda_archive(code="75.71")
    export = pemda_export(code="75.71", directory=tmp_path)
    with tenant_context(gorontalo):  # the export holds every sealed identity: it is on the record
        logged = AuditEvent.objects.get(action="pemda_exported")
        assert (logged.actor_label, logged.data["file"]) == ("manage.py offboard_pemda", export.name)
    pemda_delete(code="75.71", confirm="75.71")

    restored = pemda_restore(path=export)
    passed = _check(export=str(export))
    assert "pemda_75_71: ok (row counts match the export," in passed
    assert "2 reporter identities decrypt" in passed
    with tenant_context(restored):
        assert AuditEvent.objects.filter(action="submitted").count() == 2
        report = Report.objects.get(tracking_id=second["tracking_id"])
        assert reporter_identity(report).email == "dua@example.id"

    # Another deployment's keys: the reports came back, but nobody could reach their reporters.
    with override_settings(LAPOR_IDENTITY_KEYS=[Fernet.generate_key().decode()]):
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 problem"):
            call_command("pemda_integrity", code="75.71", export=str(export), stdout=out)
        assert "2 of 2 reporter identities do not decrypt: LAPOR_IDENTITY_KEYS lacks their key" in out.getvalue()

    # A table that came back short is named with both counts.
    with tenant_context(restored), connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_notification")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pemda_integrity", code="75.71", export=str(export), stdout=out)
    assert "complaints_notification: 0 row(s), the export had 2" in out.getvalue()
