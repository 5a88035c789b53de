"""Referral flows end to end through the API, over the same-database transport.

Delivery here runs the sweeper in-process (tests/sync/conftest.drain): the same code the
workers and the sweeper process run, against real PostgreSQL, one hop per sweep.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django_tenants.utils import tenant_context

from agencies.models import Unit
from complaints.models import Report
from complaints.services import reporter_identity
from national_hub.models import HubReferral, HubStatus
from sync.models import OutboxMessage
from tenants.models import Pemda
from tests.complaints.conftest import Api

BEKASI_ROAD = {
    "category": "jalan",
    "title": "Jalan berlubang di Jalan Ahmad Yani Bekasi",
    "text": "Lubang besar di depan Summarecon Bekasi, sudah dua motor jatuh minggu ini.",
    "region_code": "32.75.01.1001",
    "kelurahan": "Marga Jaya",
}


def _refer(api: Api, submitted: dict[str, Any], **fields: Any) -> None:
    report_id = api.officer_id(submitted["tracking_id"])
    response = api.post(
        f"/api/v1/officer/reports/{report_id}/refer/", {"reason": "Bukan wewenang DKI", **fields}, user="vera"
    )
    assert response.status_code == 200, response.content


def _track(api: Api, submitted: dict[str, Any]) -> dict[str, Any]:
    response = api.get(
        f"/api/v1/reports/track/{submitted['tracking_id']}/", HTTP_X_REPORTER_TOKEN=submitted["reporter_token"]
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_jakarta_report_about_a_bekasi_road_reaches_bekasi_and_the_answer_comes_home(
    api: Api, bekasi_api: Api, sync_cast: dict[str, User], bekasi_dbm: Unit, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    # No target named: the kelurahan code says Kota Bekasi.
    _refer(api, submitted)
    sweep()

    # Bekasi's verifikator finds it under the citizen's own tracking ID and works it as usual.
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    verified = bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    assert verified.status_code == 200, verified.content
    answer = "Lubang sudah ditambal oleh UPTD Jalan Bekasi pada hari Senin."
    answered = bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": answer, "final": True}, user="bela"
    )
    assert answered.status_code == 201, answered.content
    sweep()

    # The citizen, tracking at Jakarta, sees Bekasi's answer under the original tracking ID.
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert [f["text"] for f in tracked["followups"] if f["is_final"]] == [answer]
    hub_ref = HubReferral.objects.get(tracking_id=submitted["tracking_id"])
    assert (hub_ref.target_code, hub_ref.status) == ("32.75", HubStatus.ANSWERED)
    # Jakarta's public page names who handles it now, not just "the hub".
    from django.test import Client

    page = Client(HTTP_HOST="jakarta.localhost").get(f"/lacak/{submitted['tracking_id']}/").content.decode()
    assert 'id="handler">Kota Bekasi<' in page


def test_a_named_reporter_reaches_the_receiver_but_an_anonim_one_never_leaves(
    api: Api, sync_cast: dict[str, User], bekasi: Pemda, sweep: Any
) -> None:
    named = api.submit(**BEKASI_ROAD, privacy="public")
    anonim = api.submit(**{**BEKASI_ROAD, "title": "Jalan rusak parah di Bekasi Timur"}, privacy="anonim")
    _refer(api, named, target_code="32.75")
    _refer(api, anonim, target_code="32.75")
    sweep()

    # Nothing that left Jakarta for the anonim report names the reporter: not the messages...
    for message in OutboxMessage.objects.filter(body__report__tracking_id=anonim["tracking_id"]):
        assert "reporter" not in message.body.get("report", {}), message.kind
        assert "Siti" not in str(message.body)
    with tenant_context(bekasi):
        # ...and not the copy Bekasi works on; the named reporter can be answered there.
        assert reporter_identity(Report.objects.get(tracking_id=anonim["tracking_id"])).name == ""
        named_there = reporter_identity(Report.objects.get(tracking_id=named["tracking_id"]))
        assert (named_there.name, named_there.nik) == ("Siti Aminah", "")


def test_a_rahasia_report_stays_rahasia_at_the_receiver(
    api: Api, bekasi_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD, privacy="rahasia")
    _refer(api, submitted, target_code="32.75")
    sweep()
    assert bekasi_api.get(f"/api/v1/reports/track/{submitted['tracking_id']}/").status_code == 404
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    detail = bekasi_api.get(f"/api/v1/officer/reports/{bekasi_id}/", user="bima").json()
    assert detail["privacy"] == "rahasia"


def test_a_national_programme_reaches_its_ministry_in_the_hub_console_and_the_answer_comes_home(
    api: Api, hub_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(
        category="bansos",
        title="Bansos PKH keluarga kami dihentikan",
        text="Sejak Agustus bantuan PKH tidak cair padahal data DTKS kami tidak berubah.",
    )
    _refer(api, submitted)
    sweep()
    listed = hub_api.get("/api/v1/hub/referrals/", user="kiki").json()
    assert [r["tracking_id"] for r in listed] == [submitted["tracking_id"]]
    assert listed[0]["target_code"] == "kemensos"
    ref_id = listed[0]["id"]

    assert hub_api.post(f"/api/v1/hub/referrals/{ref_id}/act/", {"action": "accept"}, user="kiki").status_code == 200
    answer = "Data Anda diperbarui; PKH tahap berikutnya cair bulan depan."
    done = hub_api.post(
        f"/api/v1/hub/referrals/{ref_id}/act/", {"action": "followup", "text": answer, "final": True}, user="kiki"
    )
    assert done.status_code == 200, done.content
    sweep()

    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert answer in [f["text"] for f in tracked["followups"]]


def test_a_kl_officer_sees_only_her_own_ministrys_referrals(
    api: Api, hub_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    _refer(api, api.submit(**BEKASI_ROAD), target_code="32.75")
    sweep()
    assert hub_api.get("/api/v1/hub/referrals/", user="kiki").json() == []
    assert len(hub_api.get("/api/v1/hub/referrals/", user="hugo").json()) == 1
    # A Jakarta officer is nobody at the hub.
    assert hub_api.get("/api/v1/hub/referrals/", user="vera").status_code in (401, 403)


def test_an_unknown_receiver_goes_to_triage_and_the_operator_routes_it(
    api: Api, hub_api: Api, bekasi_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(
        category="pelayanan-publik", title="Pelayanan kantor tidak jelas", text="Saya bingung harus ke mana."
    )
    _refer(api, submitted, target_code="99.99")
    sweep()
    triage = hub_api.get("/api/v1/hub/referrals/?status=triage", user="hugo").json()
    assert [r["tracking_id"] for r in triage] == [submitted["tracking_id"]]
    assert triage[0]["triage_due_at"] is not None
    status = hub_api.get("/api/v1/hub/sync/status/", user="hugo").json()
    assert (status["triage"], status["triage_overdue"]) == (1, 0)

    bad = hub_api.post(f"/api/v1/hub/referrals/{triage[0]['id']}/route/", {"target_code": "00.00"}, user="hugo")
    assert bad.status_code == 400
    assert "tidak dikenal" in str(bad.json())
    routed = hub_api.post(f"/api/v1/hub/referrals/{triage[0]['id']}/route/", {"target_code": "32.75"}, user="hugo")
    assert routed.status_code == 200, routed.content
    sweep()
    assert bekasi_api.officer_id(submitted["tracking_id"], user="bima")


def test_triage_items_past_their_sla_alert_the_hub_operators_once(
    api: Api, hub_api: Api, sync_cast: dict[str, User], sweep: Any, mailoutbox: list[Any]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from national_hub.triage import hub_triage_escalate

    sync_cast["hugo"].email = "hugo@hub.lapor.go.id"
    sync_cast["hugo"].save()
    late = api.submit(category="pelayanan-publik", title="Pelayanan kantor tidak jelas", text="Saya bingung ke mana.")
    fresh = api.submit(category="pelayanan-publik", title="Antrean loket kacau", text="Tidak ada nomor antrean.")
    for submitted in (late, fresh):
        _refer(api, submitted, target_code="99.99")
    sweep()
    HubReferral.objects.filter(tracking_id=late["tracking_id"]).update(
        triage_due_at=timezone.now() - timedelta(minutes=5)
    )
    assert hub_api.get("/api/v1/hub/sync/status/", user="hugo").json()["triage_overdue"] == 1

    assert hub_triage_escalate() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["hugo@hub.lapor.go.id"]
    assert "melewati batas waktu" in mailoutbox[0].subject
    assert late["tracking_id"] in mailoutbox[0].body and fresh["tracking_id"] not in mailoutbox[0].body
    # A second run (a retried task, the next beat) alerts nobody again.
    assert hub_triage_escalate() == 0
    assert len(mailoutbox) == 1
    listed = {r["tracking_id"]: r for r in hub_api.get("/api/v1/hub/referrals/?status=triage", user="hugo").json()}
    assert listed[late["tracking_id"]]["triage_escalated_at"] is not None
    assert listed[fresh["tracking_id"]]["triage_escalated_at"] is None


def test_a_receiver_returns_a_referral_and_it_goes_to_triage_not_back_to_the_citizen(
    api: Api, hub_api: Api, bekasi_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    no_reason = bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/return-referral/", {"reason": ""}, user="bima")
    assert no_reason.status_code == 400
    returned = bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/return-referral/",
        {"reason": "Jalan nasional, wewenang Kementerian PUPR"},
        user="bima",
    )
    assert returned.status_code == 200, returned.content
    sweep()

    hub_ref = HubReferral.objects.get(tracking_id=submitted["tracking_id"])
    assert hub_ref.status == HubStatus.TRIAGE
    assert hub_ref.return_reason == "Jalan nasional, wewenang Kementerian PUPR"
    # The citizen's report is still referred (being handled), never archived or bounced.
    assert _track(api, submitted)["status"] == "referred"

    # The operator checks and sends it back to Bekasi after all: it is open there again.
    routed = hub_api.post(f"/api/v1/hub/referrals/{hub_ref.pk}/route/", {"target_code": "32.75"}, user="hugo")
    assert routed.status_code == 200, routed.content
    sweep()
    detail = bekasi_api.get(f"/api/v1/officer/reports/{bekasi_id}/", user="bima").json()
    assert detail["status"] == "submitted"


def test_bukan_wewenang_at_the_receiver_reroutes_to_its_suggestion(
    api: Api, bekasi_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    onward = bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/refer/",
        {"reason": "Jalan nasional", "target_code": "kemenpupr"},
        user="bima",
    )
    assert onward.status_code == 200, onward.content
    sweep()
    hub_ref = HubReferral.objects.get(tracking_id=submitted["tracking_id"])
    assert (hub_ref.target_code, hub_ref.status) == ("kemenpupr", HubStatus.ROUTED)
    # One referral, one hub record: the receiver's "bukan wewenang" did not start a second one.
    assert HubReferral.objects.filter(tracking_id=submitted["tracking_id"]).count() == 1


def test_the_citizen_disputes_the_receivers_answer_and_the_thread_continues_there(
    api: Api, bekasi_api: Api, sync_cast: dict[str, User], bekasi_dbm: Unit, bekasi: Pemda, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": "Sudah ditambal.", "final": True}, user="bela"
    )
    sweep()
    assert _track(api, submitted)["status"] == "answered"

    # The citizen, at Jakarta, says it is not fixed.
    dispute = "Belum ditambal, lubangnya masih ada di depan nomor 12."
    replied = api.post(
        f"/api/v1/reports/track/{submitted['tracking_id']}/replies/",
        {"text": dispute},
        HTTP_X_REPORTER_TOKEN=submitted["reporter_token"],
    )
    assert replied.status_code == 201, replied.content
    # The work is in Bekasi: Jakarta keeps no clock of its own and shows the report as referred.
    assert _track(api, submitted)["status"] == "referred"
    sweep()

    with tenant_context(bekasi):
        there = Report.objects.get(tracking_id=submitted["tracking_id"])
        assert there.status == "disposed"  # reopened at Bekasi, its response clock running again
        assert there.followups.filter(author_kind="reporter", text=dispute).exists()
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/",
        {"text": "Ditambal ulang dengan aspal hotmix.", "final": True},
        user="bela",
    )
    sweep()
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert [f["text"] for f in tracked["followups"] if f["is_final"]] == [
        "Sudah ditambal.",
        "Ditambal ulang dengan aspal hotmix.",
    ]


def test_a_referred_reporter_hears_each_message_once_from_where_they_filed(
    api: Api, bekasi_api: Api, sync_cast: dict[str, User], bekasi: Pemda, jakarta: Pemda, bekasi_dbm: Unit, sweep: Any
) -> None:
    from complaints.models import Notification

    submitted = api.submit(**BEKASI_ROAD, privacy="public")  # the cast's reporter left an e-mail address
    _refer(api, submitted)
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": "Sudah ditambal.", "final": True}, user="bela"
    )
    sweep()
    with tenant_context(bekasi):
        # Bekasi holds the reporter's address too, but tells them nothing: Jakarta does.
        assert not Notification.objects.filter(to_reporter=True).exists()
    with tenant_context(jakarta):
        answered = Notification.objects.filter(to_reporter=True, event="answered")
        assert [n.body.split("\n")[0] for n in answered] == ["Sudah ditambal."]
