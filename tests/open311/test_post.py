"""POST requests: filed through the same intake as the JSON API, with the intake's questions as
attributes; a retried POST makes no second report; service updates follow officers' answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.models import Channel, Privacy, Report, ReportType
from lapor.crypto import decrypt
from tenants.models import Pemda
from tests.open311.conftest import HOST, file_and_verify
from tests.open311.schemas import CREATED, REQUESTS, UPDATES, check_json, check_xml

pytestmark = pytest.mark.django_db

FORM = {
    "service_code": "lampu-jalan",
    "lat": "-6.175392",
    "long": "106.827153",
    "address_string": "Jl. Medan Merdeka Barat 12",
    "email": "budi@example.id",
    "first_name": "Budi",
    "last_name": "Santoso",
    "phone": "0812 3456 7890",
    "device_id": "android-77",
    "description": "Lampu jalan mati\nSudah tiga malam lampu di depan nomor 12 padam, jalan gelap sekali.",
}


def _post(api: Any, fmt: str, data: dict[str, Any], **extra: Any) -> Any:
    return api.client.post(f"/open311/v2/requests.{fmt}", data, HTTP_HOST=HOST, **extra)


def test_a_post_with_attributes_files_a_report_through_the_intake(api: Any, api_key: str, jakarta: Pemda) -> None:
    answer = _post(
        api,
        "xml",
        {
            **FORM,
            "api_key": api_key,
            "attribute[judul]": "Lampu PJU padam di Medan Merdeka",
            "attribute[jenis]": "pengaduan",
            "attribute[privasi]": "anonim",
            "attribute[kecamatan]": "Gambir",
            "attribute[kelurahan]": "Gambir",
        },
    )
    assert answer.status_code == 200, answer.content
    created = check_xml(answer.content, CREATED)
    tracking_id = created[0]["service_request_id"]
    assert "token" not in created[0]  # realtime: the id at once, never a token
    assert tracking_id in created[0]["service_notice"]
    with tenant_context(jakarta):
        report = Report.objects.get(tracking_id=tracking_id)
        assert report.channel == Channel.OPEN311
        assert report.title == "Lampu PJU padam di Medan Merdeka"
        assert report.privacy == Privacy.ANONIM and report.type == ReportType.PENGADUAN
        assert (report.kecamatan, report.kelurahan) == ("Gambir", "Gambir")
        assert str(report.latitude) == "-6.175392" and report.address == "Jl. Medan Merdeka Barat 12"
        # The identity is kept encrypted at rest, as for every door.
        assert decrypt(report.reporter_name) == "Budi Santoso"
        assert decrypt(report.reporter_phone) == "081234567890"
        assert "Budi" not in report.reporter_name

    # The JSON answer of a second report: its own tracking ID; without a title, the first line is used.
    second = _post(api, "json", {**FORM, "api_key": api_key, "description": FORM["description"] + " Tolong."})
    assert second.status_code == 200 and second["Content-Type"] == "application/json; charset=utf-8"
    check_json(second.json(), CREATED)
    with tenant_context(jakarta):
        report = Report.objects.get(tracking_id=second.json()[0]["service_request_id"])
        assert report.title == "Lampu jalan mati"
        # No privacy attribute: the intake's safest default.
        assert report.privacy == Privacy.ANONIM_RAHASIA


def test_a_retried_post_gets_the_first_answer_and_makes_no_second_report(
    api: Any, api_key: str, jakarta: Pemda
) -> None:
    first = _post(api, "json", {**FORM, "api_key": api_key})
    again = _post(api, "json", {**FORM, "api_key": api_key})
    assert first.status_code == again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert again["X-Open311-Replayed"] == "true"
    with tenant_context(jakarta):
        assert Report.objects.filter(channel=Channel.OPEN311).count() == 1
    # Different words are a different report.
    other = _post(
        api, "json", {**FORM, "api_key": api_key, "description": "Lampu taman juga mati sejak kemarin malam."}
    )
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    with tenant_context(jakarta):
        assert Report.objects.filter(channel=Channel.OPEN311).count() == 2


def test_the_report_filed_by_open311_is_followed_by_get_and_updates(api: Any, units: Any, api_key: str) -> None:
    filed = _post(api, "json", {**FORM, "api_key": api_key, "attribute[privasi]": "public"}).json()[0]
    tracking_id = filed["service_request_id"]
    # Not verified yet: public monitoring does not show it, nor does Open311.
    assert api.client.get(f"/open311/v2/requests/{tracking_id}.json", HTTP_HOST=HOST).status_code == 404
    report_id = api.officer_id(tracking_id)
    since = timezone.now() - timedelta(minutes=1)
    api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dbm.pk}, user="vera")
    api.post(f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Petugas meninjau lokasi."}, user="olga")
    api.post(
        f"/api/v1/officer/reports/{report_id}/followups/",
        {"text": "Lampu sudah diganti.", "final": True},
        user="olga",
    )
    # An anonim-rahasia report's follow-ups never appear among the updates.
    hidden = file_and_verify(api, units, privacy="anonim_rahasia", answer="Jawaban rahasia untuk pelapor.")

    one = api.client.get(f"/open311/v2/requests/{tracking_id}.xml", HTTP_HOST=HOST)
    row = check_xml(one.content, REQUESTS)[0]
    assert row["status"] == "closed" and row["status_notes"] == "Lampu sudah diganti."
    assert row["lat"] == pytest.approx(-6.175392) and row["agency_responsible"] == "Dinas Bina Marga"

    start = since.isoformat()
    updates = api.client.get("/open311/v2/servicerequestupdates.xml", {"start_date": start}, HTTP_HOST=HOST)
    assert updates.status_code == 200, updates.content
    listed = check_xml(updates.content, UPDATES)
    assert [(u["service_request_id"], u["status"], u["description"]) for u in listed] == [
        (tracking_id, "open", "Petugas meninjau lokasi."),
        (tracking_id, "closed", "Lampu sudah diganti."),
    ]
    as_json = api.client.get("/open311/v2/servicerequestupdates.json", {"start_date": start}, HTTP_HOST=HOST)
    check_json(as_json.json(), UPDATES)
    assert hidden.tracking_id not in as_json.content.decode()
    assert [u["update_id"] for u in as_json.json()] == [u["update_id"] for u in listed]


def test_posts_from_one_address_are_limited_like_every_anonymous_door(
    api: Any, api_key: str, jakarta: Pemda, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"intake_address": "2/min", "intake_phone": None})
    answers = [
        _post(api, "xml", {**FORM, "api_key": api_key, "description": f"Lampu jalan mati nomor {n} sejak kemarin."})
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert int(refused["Retry-After"]) >= 1
    assert b"<errors><error><code>429</code>" in refused.content.replace(b"\n", b"").replace(b" ", b"")
