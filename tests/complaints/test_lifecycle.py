"""A report's every path through the API: what the citizen and the officers see at each step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django_tenants.utils import tenant_context

from complaints.models import Report, Status
from complaints.tasks import sla_process_task
from deadlines.models import DueDeadline
from tenants.models import Pemda
from tests.complaints.conftest import Api, JakartaUnits

WIB = ZoneInfo("Asia/Jakarta")


def _track(api: Api, submitted: dict[str, str]) -> dict[str, object]:
    response = api.get(
        f"/api/v1/reports/track/{submitted['tracking_id']}/", HTTP_X_REPORTER_TOKEN=submitted["reporter_token"]
    )
    assert response.status_code == 200
    return dict(response.json())


def test_verify_dispose_redispose_answer_then_autoclose(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):  # a Monday
        submitted = api.submit()
        assert submitted["status"] == "submitted"
        # 3 working days after Monday: end of Thursday, Jakarta time.
        assert submitted["verify_due_at"].startswith("2026-11-05T23:59:59+07:00")
        report_id = api.officer_id(submitted["tracking_id"])

        verified = api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
        assert verified.status_code == 200, verified.content
        assert verified.json()["status"] == "disposed"
        assert verified.json()["unit"] == "Dinas Perindustrian dan Energi"
        # First follow-up due 5 working days after disposition: Monday 9 Nov.
        assert verified.json()["response_due_at"].startswith("2026-11-09T23:59:59+07:00")

        # The head of DPE passes it down his own subtree to the street-lighting section.
        redisposed = api.post(f"/api/v1/officer/reports/{report_id}/dispose/", {"unit_id": units.pju.pk}, user="hana")
        assert redisposed.status_code == 200, redisposed.content
        assert redisposed.json()["unit"] == "Seksi Penerangan Jalan Umum"

    with time_machine.travel(datetime(2026, 11, 4, 10, 0, tzinfo=WIB), tick=False):
        answered = api.post(
            f"/api/v1/officer/reports/{report_id}/followups/",
            {"text": "Lampu sudah diganti oleh petugas PJU pada 4 November.", "final": True},
            user="otto",
        )
        assert answered.status_code == 201, answered.content
        assert answered.json()["status"] == "answered"
        seen = _track(api, submitted)
        assert seen["status"] == "answered"
        assert seen["can_reopen"] is True
        assert seen["followups"][-1]["text"].startswith("Lampu sudah diganti")

    # The reporter stays silent; the window is 10 working days: through Wednesday 18 November.
    with time_machine.travel(datetime(2026, 11, 18, 20, 0, tzinfo=WIB), tick=False):
        with tenant_context(jakarta):
            sla_process_task.apply()
            assert Report.objects.get(pk=report_id).status == Status.ANSWERED
    with time_machine.travel(datetime(2026, 11, 19, 0, 30, tzinfo=WIB), tick=False):
        with tenant_context(jakarta):
            sla_process_task.apply()
            assert Report.objects.get(pk=report_id).status == Status.CLOSED
            assert not DueDeadline.objects.filter(report_id=report_id, schema_name="pemda_31").exists()
        assert _track(api, submitted)["status"] == "closed"


def test_tunda_pauses_the_verification_clock(api: Api, cast: dict[str, object]) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):  # Monday, due Thu 5 Nov
        submitted = api.submit()
        report_id = api.officer_id(submitted["tracking_id"])
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=WIB), tick=False):  # Tuesday: 2 days left
        deferred = api.post(
            f"/api/v1/officer/reports/{report_id}/defer/", {"question": "Di depan nomor berapa tepatnya?"}, user="vera"
        )
        assert deferred.status_code == 200, deferred.content
        assert deferred.json()["status"] == "deferred"
        assert deferred.json()["paused_days_left"] == 2
        assert _track(api, submitted)["deferred_question"] == "Di depan nomor berapa tepatnya?"
    with time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=WIB), tick=False):  # a Thursday, 7 wd later
        reply = api.post(
            f"/api/v1/reports/track/{submitted['tracking_id']}/replies/",
            {"text": "Di depan rumah nomor 12, dekat halte."},
            HTTP_X_REPORTER_TOKEN=submitted["reporter_token"],
        )
        assert reply.status_code == 201, reply.content
        detail = api.get(f"/api/v1/officer/reports/{report_id}/", user="vera").json()
        assert detail["status"] == "submitted"
        # The two days left resume from Thursday: Friday 13 and Monday 16 November.
        assert detail["verify_due_at"].startswith("2026-11-16T23:59:59+07:00")


def test_bukan_wewenang_records_a_referral(api: Api, cast: dict[str, object]) -> None:
    submitted = api.submit(title="Jalan berlubang di Bekasi Timur", category="jalan")
    report_id = api.officer_id(submitted["tracking_id"])
    assert api.refer_to_bekasi(report_id)["status"] == "referred"
    assert _track(api, submitted)["status"] == "referred"
    from complaints.models import Referral

    referral = Referral.objects.get(report_id=report_id)
    assert (referral.target_code, referral.status) == ("32.75", "pending")


def test_arsip_needs_a_reason_and_then_refuses_answers(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    submitted = api.submit(
        title="Promosi pinjaman online murah", text="Hubungi nomor ini untuk pinjaman cepat tanpa agunan."
    )
    report_id = api.officer_id(submitted["tracking_id"])
    no_reason = api.post(f"/api/v1/officer/reports/{report_id}/archive/", {"reason": ""}, user="vera")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    archived = api.post(f"/api/v1/officer/reports/{report_id}/archive/", {"reason": "Spam iklan"}, user="vera")
    assert archived.json()["status"] == "archived"
    # Answering or verifying an archived report is a state conflict, with the reason given.
    answer = api.post(f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Halo"}, user="adi")
    assert answer.status_code == 409
    assert "Diarsipkan" in answer.json()["detail"]
    verify = api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
    assert verify.status_code == 409


def _answered(api: Api, units: JakartaUnits) -> tuple[dict[str, str], int]:
    submitted = api.submit()
    report_id = api.officer_id(submitted["tracking_id"])
    api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.pju.pk}, user="vera")
    final = api.post(
        f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Sudah diperbaiki.", "final": True}, user="otto"
    )
    assert final.status_code == 201, final.content
    return submitted, report_id


def test_reporter_reopens_within_the_window(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    submitted, report_id = _answered(api, units)
    wrong_token = api.post(
        f"/api/v1/reports/track/{submitted['tracking_id']}/reopen/",
        {"reason": "Masih mati"},
        HTTP_X_REPORTER_TOKEN="bukan-token",
    )
    assert wrong_token.status_code == 403
    reopened = api.post(
        f"/api/v1/reports/track/{submitted['tracking_id']}/reopen/",
        {"reason": "Lampunya mati lagi malam ini."},
        HTTP_X_REPORTER_TOKEN=submitted["reporter_token"],
    )
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "disposed"
    detail = api.get(f"/api/v1/officer/reports/{report_id}/", user="otto").json()
    assert detail["status"] == "disposed"
    assert detail["response_due_at"] is not None
    assert detail["followups"][-1]["text"] == "Lampunya mati lagi malam ini."


def test_rating_closes_and_cannot_be_given_twice(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    submitted, report_id = _answered(api, units)
    path = f"/api/v1/reports/track/{submitted['tracking_id']}/rating/"
    bad = api.post(path, {"rating": 6}, HTTP_X_REPORTER_TOKEN=submitted["reporter_token"])
    assert bad.status_code == 400
    rated = api.post(path, {"rating": 5, "comment": "Cepat sekali"}, HTTP_X_REPORTER_TOKEN=submitted["reporter_token"])
    assert rated.status_code == 200, rated.content
    assert (rated.json()["status"], rated.json()["rating"]) == ("closed", 5)
    again = api.post(path, {"rating": 1}, HTTP_X_REPORTER_TOKEN=submitted["reporter_token"])
    assert again.status_code == 409
    assert api.get(f"/api/v1/officer/reports/{report_id}/", user="pia").json()["rating"] == 5


def test_reopen_after_the_window_is_refused(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):
        submitted, _report_id = _answered(api, units)
    with time_machine.travel(datetime(2026, 11, 17, 9, 0, tzinfo=WIB), tick=False):  # 11 working days later
        late = api.post(
            f"/api/v1/reports/track/{submitted['tracking_id']}/reopen/",
            {"reason": "Masih mati"},
            HTTP_X_REPORTER_TOKEN=submitted["reporter_token"],
        )
    assert late.status_code == 409
    assert "10 hari kerja" in late.json()["detail"]
