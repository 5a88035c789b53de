"""Data-protection duties (UU PDP No. 27/2022): retention purge, subject export, breach report.

Reporters here carry canary identities, so a search of every raw row of the database can tell
whether anything of them is left after the retention schedule destroyed it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Report
from lapor.crypto import encrypt
from lapor.lookup import email_hash, nik_hash, phone_hash
from national_hub.models import HubReferral, HubStatus
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import BEKASI_ROAD

OLD = {
    "reporter_name": "Kanari Lama Purbaya",
    "reporter_phone": "081377001122",
    "reporter_email": "kanari.lama@example.id",
    "reporter_nik": "3171019900000001",
}
YOUNG = {
    "reporter_name": "Kanari Muda Wibisana",
    "reporter_phone": "081377003344",
    "reporter_email": "kanari.muda@example.id",
    "reporter_nik": "3171019900000002",
}
OPEN = {
    "reporter_name": "Kanari Terbuka Sari",
    "reporter_phone": "081377005566",
    "reporter_email": "kanari.buka@example.id",
    "reporter_nik": "3171019900000003",
}


def _archive(api: Api, tracking_id: str) -> None:
    report_id = api.officer_id(tracking_id)
    archived = api.post(f"/api/v1/officer/reports/{report_id}/archive/", {"reason": "Tidak jelas"}, user="vera")
    assert archived.status_code == 200, archived.content


def _rows_containing(needle: str, schemas: list[str]) -> list[str]:
    """Every table of these schemas whose raw row text contains `needle` (case-insensitive)."""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE'",
            [schemas],
        )
        for schema, table in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}" t WHERE t::text ILIKE %s', [f"%{needle}%"])
            if cursor.fetchone()[0]:
                hits.append(f"{schema}.{table}")
    return hits


def _purge(**options: Any) -> str:
    out = io.StringIO()
    call_command("identity_purge", stdout=out, **options)
    return out.getvalue()


def test_purge_destroys_identity_past_its_period_keeps_younger_ones_and_the_chain_verifies(
    api: Api, cast: dict[str, object], jakarta: Pemda
) -> None:
    start = timezone.now()
    old = api.submit(**OLD)
    _archive(api, old["tracking_id"])
    with time_machine.travel(start + timedelta(days=100)):
        young = api.submit(**YOUNG)
        _archive(api, young["tracking_id"])
        api.submit(**OPEN)
    with tenant_context(jakarta):
        sealed_before = Report.objects.get(tracking_id=old["tracking_id"])
    # Past the archived reports' 180 days for the first only; the open report has no period yet.
    with time_machine.travel(start + timedelta(days=181)):
        dry = _purge(schema="pemda_31", dry_run=True)
        assert "pemda_31: would destroy the identity of 1 report(s) (name 1, phone 1, email 1, nik 1)" in dry
        assert "Kanari" not in dry and "0813" not in dry  # counts, never values
        with tenant_context(jakarta):
            assert Report.objects.get(tracking_id=old["tracking_id"]).reporter_phone == sealed_before.reporter_phone

        done = _purge(schema="pemda_31")
        assert "pemda_31: destroyed the identity of 1 report(s)" in done
        again = _purge(schema="pemda_31")
        assert "pemda_31: destroyed the identity of 0 report(s)" in again  # idempotent

    with tenant_context(jakarta):
        purged = Report.objects.get(tracking_id=old["tracking_id"])
        assert (purged.reporter_name, purged.reporter_phone, purged.reporter_email, purged.reporter_nik) == ("",) * 4
        assert (purged.reporter_phone_hash, purged.reporter_email_hash, purged.reporter_nik_hash) == ("",) * 3
        assert purged.identity_purged_at is not None
        assert purged.title == sealed_before.title  # the report itself stays, as the public record
        kept = Report.objects.get(tracking_id=young["tracking_id"])
        assert kept.reporter_phone and kept.identity_purged_at is None
        events = list(AuditEvent.objects.filter(action="identity_purged"))
        assert [(e.report_id, e.data["fields"]) for e in events] == [(purged.pk, ["name", "phone", "email", "nik"])]
        # The chain hashes no identity: destroying it leaves every recorded hash valid.
        verified = io.StringIO()
        call_command("audit_verify", schema="pemda_31", stdout=verified)
        assert "pemda_31: ok" in verified.getvalue()

    # The reporter still reads the report with the private key: the token hash was kept.
    tracked = api.client.get(
        f"/api/v1/reports/track/{old['tracking_id']}/", HTTP_HOST=api.host, HTTP_X_REPORTER_TOKEN=old["reporter_token"]
    )
    assert tracked.status_code == 200

    # Nothing of the destroyed identity is left in any raw row, in the Pemda or in public:
    # neither in the clear nor as the sealed tokens or lookup hashes it was stored as.
    schemas = ["pemda_31", "public"]
    for needle in (
        *OLD.values(),
        sealed_before.reporter_phone,
        sealed_before.reporter_name,
        sealed_before.reporter_phone_hash,
    ):
        assert needle and _rows_containing(needle, schemas) == [], needle
    # ... while the younger reporter's sealed identity is still there (the search can find things).
    assert _rows_containing(kept.reporter_phone, schemas) == ["pemda_31.complaints_report"]


def test_subject_export_finds_one_persons_reports_in_two_pemda_and_logs_each(
    api: Api, cast: dict[str, object], jakarta: Pemda, bekasi: Pemda, tmp_path: Path
) -> None:
    in_jakarta = api.submit(reporter_phone="6281377009988", reporter_email="Rina.Subjek@Example.id")
    in_bekasi = Api(host="bekasi.localhost").submit(reporter_phone="+6281377009988", reporter_email="")
    api.submit(reporter_phone="081377001111", reporter_email="orang.lain@example.id")  # someone else

    target = tmp_path / "subjek.json"
    call_command("subject_export", phone="081377009988", output=str(target), requested_by="PPID DKI Jakarta")
    export = json.loads(target.read_text())
    found = {(r["pemda"]["code"], r["tracking_id"]) for r in export["reports"]}
    assert found == {("31", in_jakarta["tracking_id"]), ("32.75", in_bekasi["tracking_id"])}
    jakarta_row = next(r for r in export["reports"] if r["pemda"]["code"] == "31")
    assert jakarta_row["identity"]["phone"] == "6281377009988"  # as stored, decrypted
    assert jakarta_row["identity"]["email"] == "Rina.Subjek@Example.id"

    # By e-mail, written another way, finds the Jakarta report only.
    by_email = io.StringIO()
    call_command("subject_export", email=" rina.subjek@example.ID ", stdout=by_email)
    assert [r["tracking_id"] for r in json.loads(by_email.getvalue())["reports"]] == [in_jakarta["tracking_id"]]

    for pemda, submitted in ((jakarta, in_jakarta), (bekasi, in_bekasi)):
        with tenant_context(pemda):
            report = Report.objects.get(tracking_id=submitted["tracking_id"])
            exported = AuditEvent.objects.filter(report_id=report.pk, action="identity_exported")
            assert exported.filter(actor_label="PPID DKI Jakarta").count() == 1
            call_command("audit_verify", schema=pemda.schema_name, stdout=io.StringIO())


def test_subject_export_without_an_address_is_refused() -> None:
    with pytest.raises(Exception, match="at least one of --phone, --email, --nik"):
        call_command("subject_export", phone="  ")


def test_breach_report_lists_the_subjects_their_contact_and_what_was_exposed(
    api: Api, cast: dict[str, object], jakarta: Pemda, bekasi: Pemda
) -> None:
    since = timezone.now() - timedelta(hours=1)
    first = api.submit(reporter_name="Budi Bocor", reporter_phone="081299990001", reporter_email="budi@example.id")
    second = api.submit(reporter_name="Budi Bocor", reporter_phone="+6281299990001", reporter_email="")
    api.post(
        f"/api/v1/reports/track/{second['tracking_id']}/replies/",
        {"text": "Ini tambahan keterangan saya."},
        HTTP_X_REPORTER_TOKEN=second["reporter_token"],
    )
    api.submit(reporter_name="", reporter_phone="", reporter_email="", privacy="anonim")  # nobody to notify
    Api(host="bekasi.localhost").submit(reporter_name="Orang Bekasi", reporter_phone="081299990002")

    out, err = io.StringIO(), io.StringIO()
    call_command("breach_report", schema="pemda_31", since=since.isoformat(), stdout=out, stderr=err)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1  # one person, two reports; Bekasi was not breached
    budi = rows[0]
    assert (budi["name"], budi["phone"], budi["email"]) == ("Budi Bocor", "+6281299990001", "budi@example.id")
    assert sorted(budi["reports"].split()) == sorted([f"31/{first['tracking_id']}", f"31/{second['tracking_id']}"])
    exposed = budi["exposed"].split("; ")
    assert {"reporter_name (sealed)", "reporter_phone (sealed)", "reporter_email (sealed)", "title", "text"} <= set(
        exposed
    )
    assert "reporter_replies" in exposed
    assert "1 subject(s) to notify in 1 Pemda (1 anonymous report(s) without contact)" in err.getvalue()

    # Only the attachments table breached: nobody here attached anything, so nobody to notify.
    only_files = io.StringIO()
    call_command(
        "breach_report",
        all=True,
        since=since.isoformat(),
        tables="complaints_attachment",
        format="json",
        stdout=only_files,
        stderr=io.StringIO(),
    )
    assert json.loads(only_files.getvalue())["subjects"] == []

    everywhere = io.StringIO()
    call_command(
        "breach_report", all=True, since=since.isoformat(), format="json", stdout=everywhere, stderr=io.StringIO()
    )
    names = sorted(s["name"] for s in json.loads(everywhere.getvalue())["subjects"])
    assert names == ["Budi Bocor", "Orang Bekasi"]


def test_breach_report_refuses_bad_input_clearly() -> None:
    with pytest.raises(Exception, match="not a date"):
        call_command("breach_report", all=True, since="kemarin")
    with pytest.raises(Exception, match="unknown table"):
        call_command("breach_report", all=True, since="2026-12-01T00:00:00+07:00", tables="auth_user")


def test_breach_report_of_100k_reports_prints_its_time(
    api: Api, bekasi: Pemda, capsys: pytest.CaptureFixture[str]
) -> None:
    """Notifying within 3 x 24 hours starts with this list: 100,000 named reporters in one Pemda."""
    count = 100_000
    template = Api(host="bekasi.localhost").submit(reporter_name="Templat", reporter_phone="081200000000")
    names = [encrypt(f"Warga {i}") for i in range(count)]
    phones = [encrypt(f"+62813{i:08d}") for i in range(count)]
    hashes = [phone_hash(f"+62813{i:08d}") for i in range(count)]
    with tenant_context(bekasi), connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'complaints_report' AND column_name <> 'id'"
        )
        columns = [c for (c,) in cursor.fetchall()]
        made = {
            "tracking_id": "'BR' || lpad(x.n::text, 10, '0')",
            "reporter_name": "x.name",
            "reporter_phone": "x.phone",
            "reporter_phone_hash": "x.hash",
            "reporter_email": "''",
            "reporter_email_hash": "''",
        }
        select = ", ".join(made.get(c, f"t.{c}") for c in columns)
        cursor.execute(
            f"INSERT INTO complaints_report ({', '.join(columns)}) SELECT {select} FROM complaints_report t,"
            " unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS x(name, phone, hash, n)"
            " WHERE t.tracking_id = %s",
            [names, phones, hashes, template["tracking_id"]],
        )
        assert cursor.rowcount == count
    err = io.StringIO()
    target = io.StringIO()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    call_command("breach_report", schema=bekasi.schema_name, since=since, stdout=target, stderr=err)
    assert f"{count + 1} subject(s) to notify in 1 Pemda" in err.getvalue()
    assert "+6281300099999" in target.getvalue()  # the last one, with the contact decrypted
    with capsys.disabled():
        print(f"\nbreach_report, {count:,} reports in one Pemda: {err.getvalue().strip()}")


def test_lookup_hash_backfill_of_reports_filed_before_the_columns(api: Api, jakarta: Pemda) -> None:
    from importlib import import_module

    from django.apps import apps

    submitted = api.submit(
        reporter_phone="081377004455", reporter_email="lama@example.id", reporter_nik="3171019900000009"
    )
    with tenant_context(jakarta):
        Report.objects.filter(tracking_id=submitted["tracking_id"]).update(
            reporter_phone_hash="", reporter_email_hash="", reporter_nik_hash=""
        )
        import_module("complaints.migrations.0009_reporter_lookup_hashes")._backfill(apps, None)
        report = Report.objects.get(tracking_id=submitted["tracking_id"])
        assert report.reporter_phone_hash == phone_hash("+6281377004455")
        assert report.reporter_email_hash == email_hash("LAMA@example.id")
        assert report.reporter_nik_hash == nik_hash("3171019900000009")


def test_the_hubs_copies_of_a_named_reporter_go_too(
    api: Api, sync_cast: dict[str, object], bekasi: Pemda, sweep: Any
) -> None:
    """A referral carries a named reporter's contact through the public schema in JSON: the
    delivered messages lose it on the next run, the hub's record after the referral's retention."""
    phone = "081377007788"
    named = api.submit(**BEKASI_ROAD, privacy="public", reporter_phone=phone, reporter_name="Kanari Rujukan")
    report_id = api.officer_id(named["tracking_id"])
    referred = api.post(
        f"/api/v1/officer/reports/{report_id}/refer/",
        {"reason": "Bukan wewenang DKI", "target_code": "32.75"},
        user="vera",
    )
    assert referred.status_code == 200, referred.content
    sweep()
    assert "public.sync_outboxmessage" in _rows_containing(phone, ["public"])

    out = _purge()
    assert "hub: destroyed the reporter in 0 referral record(s) and " in out
    # Only the hub's live record still holds it: the referral may be routed again.
    assert _rows_containing(phone, ["public"]) == ["public.sync_hubreferral"]
    with tenant_context(bekasi):  # the receiver keeps it sealed, on its own schedule
        assert Report.objects.get(tracking_id=named["tracking_id"]).reporter_phone_hash == phone_hash(phone)

    hub_ref = HubReferral.objects.get(tracking_id=named["tracking_id"])
    HubReferral.objects.filter(pk=hub_ref.pk).update(status=HubStatus.CLOSED)
    with time_machine.travel(timezone.now() + timedelta(days=731)):
        assert "hub: destroyed the reporter in 1 referral record(s)" in _purge()
    assert _rows_containing(phone, ["public"]) == []
    assert _rows_containing("Kanari Rujukan", ["public"]) == []


def test_the_daily_beat_task_runs_the_same_schedule(api: Api, cast: dict[str, object], jakarta: Pemda) -> None:
    from lapor.celery import app
    from national_hub.tasks import identity_purge_task

    assert app.conf.beat_schedule["identity-retention"]["task"] == identity_purge_task.name
    start = timezone.now()
    submitted = api.submit(**OLD)
    _archive(api, submitted["tracking_id"])
    with time_machine.travel(start + timedelta(days=181)):
        assert identity_purge_task() == 1
        assert identity_purge_task() == 0
    with tenant_context(jakarta):
        assert Report.objects.get(tracking_id=submitted["tracking_id"]).identity_purged_at is not None
