"""Filing while signed in, and "my reports": across every Pemda, from any host, followed and
answered without the per-report token; only the citizen ever sees the link to the account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from citizens.models import Citizen, CitizenReport
from complaints.models import AuthorKind, FollowUp, Report
from tenants.models import Pemda, PemdaStatus
from tests.citizens.conftest import BEKASI, HUB, JABAR, JAKARTA, REPORT, App
from tests.complaints.conftest import Api, JakartaUnits

pytestmark = pytest.mark.django_db


def test_reports_filed_in_two_pemda_are_both_in_my_reports_from_a_third_host(
    app: App, jakarta: Pemda, bekasi: Pemda, api: Api, cast: Any, units: JakartaUnits
) -> None:
    app.sign_in_by_phone()
    in_jakarta = app.file(JAKARTA, title="Lampu jalan mati di Jalan Merdeka")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        in_bekasi = app.file(BEKASI, title="Lampu taman padam di Alun-alun Bekasi")
    # The usual answer, reporter token included: the app may still use /lacak/ as before.
    assert in_jakarta["reporter_token"] and in_jakarta["status"] == "submitted"

    # Each link is in the public schema, written with its report.
    links = {(link.tenant.code, link.tracking_id) for link in CitizenReport.objects.select_related("tenant")}
    assert links == {("31", in_jakarta["tracking_id"]), ("32.75", in_bekasi["tracking_id"])}

    for host in (JABAR, HUB):  # neither holds either report
        mine = app.my_reports(host=host)
        assert [(r["tracking_id"], r["pemda"]["code"]) for r in mine] == [
            (in_bekasi["tracking_id"], "32.75"),
            (in_jakarta["tracking_id"], "31"),
        ]  # newest first
        assert mine[1]["pemda"]["name"] == "Provinsi DKI Jakarta"
        assert mine[1]["title"] == "Lampu jalan mati di Jalan Merdeka"
        assert {r["status"] for r in mine} == {"submitted"} and mine[0]["status_label"] == "Menunggu verifikasi"

    # Jakarta's verifikator moves the report on: the list shows Jakarta's status now.
    report_id = api.officer_id(in_jakarta["tracking_id"])
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        verified = api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
        assert verified.status_code == 200, verified.content
    jakarta_row = next(r for r in app.my_reports(host=JABAR) if r["pemda"]["code"] == "31")
    assert jakarta_row["status"] == "disposed" and jakarta_row["last_update_at"] > jakarta_row["submitted_at"]

    # One query on the link table and one per Pemda on the page: no loop over every Pemda.
    with CaptureQueriesContext(connection) as queries:
        app.my_reports(host=HUB)
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("citizens_citizenreport" in s for s in sql) == 1
    assert sum('FROM "complaints_report"' in s for s in sql) == 2


def test_my_reports_are_paged_twenty_at_a_time(app: App, jakarta: Pemda) -> None:
    app.sign_in_by_phone()
    start = timezone.now()
    for i in range(22):
        with time_machine.travel(start + timedelta(seconds=i)):
            app.file(JAKARTA, title=f"Lampu jalan mati nomor {i:02d}")
    first = app.get("/api/v1/me/reports/").json()
    assert len(first["results"]) == 20 and first["results"][0]["title"] == "Lampu jalan mati nomor 21"
    rest = app.get(first["next"].replace("http://localhost", "")).json()
    assert [r["title"] for r in rest["results"]] == ["Lampu jalan mati nomor 01", "Lampu jalan mati nomor 00"]
    assert rest["next"] is None


def test_i_follow_reply_rate_and_reopen_my_report_without_its_token(
    app: App, jakarta: Pemda, api: Api, cast: Any, units: JakartaUnits
) -> None:
    app.sign_in_by_email()
    filed = app.file(JAKARTA)
    tracking_id = filed["tracking_id"]

    seen = app.get(f"/api/v1/me/reports/{tracking_id.lower().replace('-', '')}/", host=BEKASI)  # typed any way
    assert seen.status_code == 200, seen.content
    assert seen.json()["tracking_id"] == tracking_id and seen.json()["pemda"] == {
        "code": "31",
        "name": "Provinsi DKI Jakarta",
    }
    assert seen.json()["privacy"] == "public" and seen.json()["can_reopen"] is False

    replied = app.post(f"/api/v1/me/reports/{tracking_id}/replies/", {"text": "Lampunya di tiang nomor 7."}, host=HUB)
    assert replied.status_code == 201, replied.content
    # The app retries a reply whose answer it lost: with the same Idempotency-Key it is taken once.
    for _ in range(2):
        retried = app.post(
            f"/api/v1/me/reports/{tracking_id}/replies/",
            {"text": "Lampunya di tiang nomor 7."},
            host=HUB,
            HTTP_IDEMPOTENCY_KEY="balasan-1",
        )
        assert retried.status_code == 201
    assert retried["Idempotent-Replayed"] == "true"
    with tenant_context(jakarta):
        replies = list(FollowUp.objects.filter(report__tracking_id=tracking_id).order_by("pk"))
        assert [(r.author_kind, r.text) for r in replies] == [(AuthorKind.REPORTER, "Lampunya di tiang nomor 7.")] * 2

    report_id = api.officer_id(tracking_id)
    api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.pju.pk}, user="vera")
    answer = {"text": "Lampu sudah diganti.", "final": True}
    assert api.post(f"/api/v1/officer/reports/{report_id}/followups/", answer, user="otto").status_code == 201

    # Reopen from the hub, in Jakarta's schema; then, answered again, rate it and it closes.
    reopened = app.post(f"/api/v1/me/reports/{tracking_id}/reopen/", {"reason": "Masih padam malam ini."})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "disposed"
    assert api.post(f"/api/v1/officer/reports/{report_id}/followups/", answer, user="otto").status_code == 201
    rated = app.post(f"/api/v1/me/reports/{tracking_id}/rating/", {"rating": 5, "comment": "Cepat."}, host=JABAR)
    assert rated.status_code == 200 and rated.json()["status"] == "closed" and rated.json()["rating"] == 5
    # A wrong state is a 409 with the reason, as on the token routes.
    twice = app.post(f"/api/v1/me/reports/{tracking_id}/rating/", {"rating": 4})
    assert twice.status_code == 409 and "sudah dinilai" in twice.json()["detail"]
    bad = app.post(f"/api/v1/me/reports/{tracking_id}/rating/", {"rating": 9})
    assert bad.status_code == 400 and "rating" in bad.json()


def test_another_citizen_can_neither_see_nor_act_on_my_report(app: App, other_app: App, jakarta: Pemda) -> None:
    app.sign_in_by_phone()
    tracking_id = app.file(JAKARTA)["tracking_id"]
    other_app.sign_in_by_email()

    assert other_app.my_reports() == []
    for path, body in [
        (f"/api/v1/me/reports/{tracking_id}/", None),
        (f"/api/v1/me/reports/{tracking_id}/?pemda=31", None),
        (f"/api/v1/me/reports/{tracking_id}/replies/", {"text": "Bukan laporan saya."}),
        (f"/api/v1/me/reports/{tracking_id}/rating/", {"rating": 1}),
        (f"/api/v1/me/reports/{tracking_id}/reopen/", {"reason": "Iseng."}),
        ("/api/v1/me/reports/ZZZZ-ZZZZZ/", None),
    ]:
        response = other_app.post(path, body, host=JAKARTA) if body else other_app.get(path, host=JAKARTA)
        # The same answer as for a report that does not exist.
        assert response.status_code == 404, (path, response.content)
        assert response.json()["detail"] == "Laporan ini tidak ada di akun Anda."
    with tenant_context(jakarta):
        assert not FollowUp.objects.exists()


def test_no_officer_sees_who_filed_an_anonim_report(
    app: App, jakarta: Pemda, api: Api, cast: Any, units: JakartaUnits
) -> None:
    app.sign_in_by_phone()
    filed = app.file(JAKARTA, privacy="anonim")
    report_id = api.officer_id(filed["tracking_id"])

    for officer in ("vera", "adi", "pia", "audi"):
        detail = api.get(f"/api/v1/officer/reports/{report_id}/", user=officer)
        assert detail.status_code == 200 and detail.json()["reporter"] is None
        text = detail.content.decode()
        assert "81234567890" not in text and "warga-" not in text and "citizen" not in text
    # Even the verifikator's audited reveal finds nothing: the account is not the reporter's identity.
    revealed = api.post(f"/api/v1/officer/reports/{report_id}/reveal-identity/", {"reason": "Uji."}, user="vera")
    assert revealed.status_code == 200 and "81234567890" not in revealed.content.decode()
    with tenant_context(jakarta):
        report = Report.objects.get(pk=report_id)
        assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")

    # The citizen routes take the citizen's token only: an officer's password opens none of them.
    for path in ("/api/v1/me/reports/", f"/api/v1/me/reports/{filed['tracking_id']}/", "/api/v1/citizen/profile/"):
        assert api.get(path, user="vera").status_code in (401, 403)
    assert not admin.site.is_registered(CitizenReport)
    # The citizen still sees it as theirs.
    assert [r["privacy"] for r in app.my_reports(host=JAKARTA)] == ["anonim"]


def test_a_revoked_or_expired_token_stops_working(app: App, jakarta: Pemda, settings: Any) -> None:
    app.sign_in_by_phone()
    phone_token = app.token
    tablet = App()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        tablet.sign_in_by_phone()
    assert app.get("/api/v1/me/reports/").status_code == 200

    assert app.post("/api/v1/citizen/logout/").status_code == 204
    refused = app.get("/api/v1/me/reports/", token=phone_token)
    assert refused.status_code == 401 and "Silakan masuk kembali" in refused.json()["detail"]
    # Filing with a revoked token is refused too, rather than filed without the account.
    filing = app.post("/api/v1/reports/", REPORT, host=JAKARTA, token=phone_token)
    assert filing.status_code == 401
    with tenant_context(jakarta):
        assert not Report.objects.exists()
    assert tablet.get("/api/v1/me/reports/").status_code == 200  # the other device is still signed in

    assert tablet.post("/api/v1/citizen/logout-all/").status_code == 204
    assert tablet.get("/api/v1/me/reports/").status_code == 401

    # A token unused for longer than its lifetime has expired.
    third = App()
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        third.sign_in_by_phone()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert third.get("/api/v1/me/reports/").status_code == 401


def test_a_refused_filing_leaves_no_link_and_a_retry_makes_one_report(app: App, jakarta: Pemda) -> None:
    app.sign_in_by_phone()
    bad = app.post("/api/v1/reports/", {**REPORT, "category": "tidak-ada"}, host=JAKARTA)
    assert bad.status_code == 400 and "category" in bad.json()
    assert not CitizenReport.objects.exists()

    key = {"HTTP_IDEMPOTENCY_KEY": "laporan-aplikasi-1"}
    first = app.post("/api/v1/reports/", REPORT, host=JAKARTA, **key)
    second = app.post("/api/v1/reports/", REPORT, host=JAKARTA, **key)
    assert first.status_code == second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert first.json()["tracking_id"] == second.json()["tracking_id"]
    assert CitizenReport.objects.count() == 1 and len(app.my_reports()) == 1


def test_the_citizen_api_is_in_the_openapi_schema_of_every_host(app: App) -> None:
    for host in (JAKARTA, HUB):
        schema = app.client.get("/api/schema/?format=json", HTTP_HOST=host).json()
        for path in ("/api/v1/citizen/code/", "/api/v1/citizen/token/", "/api/v1/me/reports/"):
            assert path in schema["paths"], (host, path)
        assert "tokenWarga" in schema["components"]["securitySchemes"]
    at_pemda = app.client.get("/api/schema/?format=json", HTTP_HOST=JAKARTA).json()
    assert {"tokenWarga": []} in at_pemda["paths"]["/api/v1/reports/"]["post"]["security"]


def test_a_report_of_an_archived_pemda_is_read_only(app: App, jakarta: Pemda) -> None:
    app.sign_in_by_phone()
    tracking_id = app.file(JAKARTA)["tracking_id"]
    Pemda.objects.filter(pk=jakarta.pk).update(status=PemdaStatus.ARCHIVED)
    assert app.get(f"/api/v1/me/reports/{tracking_id}/").status_code == 200
    refused = app.post(f"/api/v1/me/reports/{tracking_id}/replies/", {"text": "Masih padam."})
    assert refused.status_code == 403 and "diarsipkan" in refused.json()["detail"]
    with tenant_context(jakarta):
        assert not FollowUp.objects.exists()


def test_a_report_filed_before_signing_in_is_added_with_its_reporter_token(
    app: App, other_app: App, jakarta: Pemda
) -> None:
    anonymous = App().file(JAKARTA)  # from the web form, before the app: no account
    app.sign_in_by_phone()
    claim = {"tracking_id": anonymous["tracking_id"], "reporter_token": anonymous["reporter_token"]}

    wrong = app.post("/api/v1/me/reports/", {**claim, "reporter_token": "bukan-token"}, host=JAKARTA)
    assert wrong.status_code == 403 and not CitizenReport.objects.exists()
    at_hub = app.post("/api/v1/me/reports/", claim)  # the hub holds no reports: which Pemda?
    assert at_hub.status_code == 400 and "pemda" in at_hub.json()
    unknown = app.post("/api/v1/me/reports/", {**claim, "pemda": "99.99"})
    assert unknown.status_code == 400 and "tidak dikenal" in unknown.json()["pemda"][0]

    added = app.post("/api/v1/me/reports/", {**claim, "pemda": "31"})
    assert added.status_code == 201, added.content
    assert (added.json()["tracking_id"], added.json()["status"]) == (anonymous["tracking_id"], "submitted")
    assert app.post("/api/v1/me/reports/", claim, host=JAKARTA).status_code == 200  # again: nothing new
    assert [r["tracking_id"] for r in app.my_reports()] == [anonymous["tracking_id"]]

    # Someone else holding the token (it was shared) cannot take it into their account.
    other_app.sign_in_by_email()
    taken = other_app.post("/api/v1/me/reports/", claim, host=JAKARTA)
    assert taken.status_code == 409 and other_app.my_reports() == []


def test_closing_the_account_forgets_it_but_not_the_reports(app: App, jakarta: Pemda) -> None:
    app.sign_in_by_phone()
    filed = app.file(JAKARTA)
    assert (
        app.client.delete(
            "/api/v1/citizen/profile/", HTTP_HOST=HUB, HTTP_AUTHORIZATION=f"Token {app.token}"
        ).status_code
        == 204
    )
    assert not Citizen.objects.exists() and not CitizenReport.objects.exists()
    assert app.get("/api/v1/me/reports/").status_code == 401
    with tenant_context(jakarta):
        assert Report.objects.filter(tracking_id=filed["tracking_id"]).exists()
    # The report is still followed with its reporter token.
    tracked = App().get(
        f"/api/v1/reports/track/{filed['tracking_id']}/", host=JAKARTA, HTTP_X_REPORTER_TOKEN=filed["reporter_token"]
    )
    assert tracked.status_code == 200


def test_a_citizen_token_opens_no_officer_route(app: App, jakarta: Pemda, cast: Any) -> None:
    app.sign_in_by_phone()
    for path in ("/api/v1/officer/reports/", "/api/v1/units/", "/api/v1/me/"):
        assert app.get(path, host=JAKARTA).status_code in (401, 403), path
