"""GET discovery, services and requests in XML and JSON, read with a real XML parser and checked
against JSON Schemas written from the GeoReport v2 specification."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from complaints.models import Attachment, Report
from open311 import selectors
from tenants.models import Pemda
from tests.open311.conftest import HOST, file_and_verify
from tests.open311.schemas import (
    DISCOVERY,
    REQUESTS,
    SERVICE_DEFINITION,
    SERVICES,
    check_json,
    check_xml,
    parse_xml,
)

pytestmark = pytest.mark.django_db


def _get(api: Any, path: str, **params: Any) -> Any:
    return api.client.get(path, params, HTTP_HOST=HOST)


def test_discovery_names_the_endpoint_and_both_formats(api: Any) -> None:
    xml = _get(api, "/open311/v2/discovery.xml")
    assert xml.status_code == 200 and xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = parse_xml(xml.content)
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("url") == f"http://{HOST}/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    check_xml(xml.content, DISCOVERY)
    as_json = _get(api, "/open311/v2/discovery.json")
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    check_json(as_json.json(), DISCOVERY)


def test_services_are_the_pemda_categories_with_the_intake_questions(api: Any) -> None:
    xml = _get(api, "/open311/v2/services.xml")
    root = parse_xml(xml.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "lampu-jalan" in codes and "pajak" in codes
    lampu = next(s for s in root.findall("service") if s.findtext("service_code") == "lampu-jalan")
    assert lampu.findtext("service_name") == "Lampu penerangan jalan"
    assert lampu.findtext("metadata") == "true" and lampu.findtext("type") == "realtime"
    check_xml(xml.content, SERVICES)
    services = _get(api, "/open311/v2/services.json").json()
    check_json(services, SERVICES)
    assert {s["service_code"] for s in services} == set(codes)

    definition = _get(api, "/open311/v2/services/lampu-jalan.xml")
    root = parse_xml(definition.content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "lampu-jalan"
    privasi = next(a for a in root.findall("attributes/attribute") if a.findtext("code") == "privasi")
    assert privasi.findtext("datatype") == "singlevaluelist"
    assert "anonim_rahasia" in [v.findtext("key") for v in privasi.findall("values/value")]
    check_xml(definition.content, SERVICE_DEFINITION)
    check_json(_get(api, "/open311/v2/services/lampu-jalan.json").json(), SERVICE_DEFINITION)


def test_requests_show_what_public_monitoring_shows(api: Any, units: Any, cast: Any) -> None:
    open_one = file_and_verify(api, units, privacy="public")
    answered = file_and_verify(api, units, privacy="anonim", answer="Lampu sudah diganti oleh petugas PJU.", final=True)
    rahasia = file_and_verify(api, units, privacy="rahasia")
    waiting = api.submit(privacy="public")  # not yet verified: not in public monitoring either

    xml = _get(api, "/open311/v2/requests.xml")
    assert xml.status_code == 200, xml.content
    root = parse_xml(xml.content)
    assert root.tag == "service_requests"
    rows = {r.findtext("service_request_id"): r for r in root.findall("request")}
    assert set(rows) == {open_one.tracking_id, answered.tracking_id}
    assert rahasia.tracking_id not in rows and waiting["tracking_id"] not in rows
    assert rows[open_one.tracking_id].findtext("status") == "open"
    assert rows[open_one.tracking_id].findtext("agency_responsible") == "Dinas Bina Marga"
    assert rows[answered.tracking_id].findtext("status") == "closed"
    assert rows[answered.tracking_id].findtext("status_notes") == "Lampu sudah diganti oleh petugas PJU."
    # The reporter (named or anonim) never appears, in any element.
    assert b"Siti" not in xml.content and b"siti@example.id" not in xml.content and b"0812" not in xml.content
    check_xml(xml.content, REQUESTS)

    as_json = _get(api, "/open311/v2/requests.json", service_code="lampu-jalan", status="closed")
    check_json(as_json.json(), REQUESTS)
    assert [r["service_request_id"] for r in as_json.json()] == [answered.tracking_id]
    assert as_json.json()[0]["requested_datetime"].endswith("+07:00")
    # A "+" left unencoded in the query string arrives as a space: the offset is still read.
    submitted = as_json.json()[0]["requested_datetime"]
    around = _get(api, "/open311/v2/requests.json", start_date=submitted.replace("+", " "), status="closed")
    assert [r["service_request_id"] for r in around.json()] == [answered.tracking_id]
    # Later than every request: nothing.
    after = _get(api, "/open311/v2/requests.json", start_date="2099-01-01T00:00:00Z")
    assert after.status_code == 200 and after.json() == []

    one = _get(api, f"/open311/v2/requests/{open_one.tracking_id.lower().replace('-', '')}.json")
    assert [r["service_request_id"] for r in one.json()] == [open_one.tracking_id]
    several = _get(api, "/open311/v2/requests.xml", service_request_id=f"{open_one.tracking_id},{rahasia.tracking_id}")
    assert [r.findtext("service_request_id") for r in parse_xml(several.content)] == [open_one.tracking_id]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_request_carries_its_place_picture_deadline_and_who_holds_it(
    api: Any, units: Any, cast: Any, jakarta: Pemda
) -> None:
    picture = SimpleUploadedFile("lampu.png", _png(), content_type="image/png")
    filed = api.post_multipart(
        "/api/v1/reports/",
        {
            "category": "lampu-jalan",
            "title": "Lampu jalan mati di Jalan Kebon Sirih",
            "text": "Tiga tiang lampu mati sejak Senin, trotoar gelap.",
            "privacy": "public",
            "address": "Jl. Kebon Sirih 20",
            "kelurahan": "Kebon Sirih",
            "kecamatan": "Menteng",
            "region_code": "31.71.06",
            "latitude": "-6.183100",
            "longitude": "106.834200",
            "attachments": [picture],
        },
    )
    assert filed.status_code == 201, filed.content
    tracking_id = filed.json()["tracking_id"]
    report_id = api.officer_id(tracking_id)
    verified = api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dbm.pk}, user="vera")
    assert verified.status_code == 200, verified.content
    bare = file_and_verify(api, units, answer="Lampu sudah menyala lagi.", final=True)
    held = api.submit(title="Jalan rusak di perbatasan Bekasi", category="jalan")
    api.refer_to_bekasi(api.officer_id(held["tracking_id"]))

    answer = _get(api, "/open311/v2/requests.json")
    check_json(answer.json(), REQUESTS)
    rows = {r["service_request_id"]: r for r in answer.json()}
    pictured = rows[tracking_id]
    assert pictured["description"] == (
        "Lampu jalan mati di Jalan Kebon Sirih\n\nTiga tiang lampu mati sejak Senin, trotoar gelap."
    )
    assert pictured["address"] == "Jl. Kebon Sirih 20, Kebon Sirih, Menteng"
    assert pictured["address_id"] == "31.71.06"
    assert (pictured["lat"], pictured["long"]) == (-6.1831, 106.8342)
    with tenant_context(jakarta):
        attachment = Attachment.objects.get(report_id=report_id)
    assert pictured["media_url"] == f"http://{HOST}/lampiran/{attachment.pk}/"
    picture_page = api.client.get(urlsplit(pictured["media_url"]).path, HTTP_HOST=HOST)
    assert picture_page.status_code == 200 and picture_page["Content-Type"] == "image/png"
    # An open request promises an answer by its response deadline; a closed one promises nothing.
    assert pictured["status"] == "open" and pictured["expected_datetime"].endswith("+07:00")
    assert pictured["updated_datetime"] >= pictured["requested_datetime"]
    closed = rows[bare.tracking_id]
    assert closed["status"] == "closed" and closed["expected_datetime"] is None
    assert closed["status_notes"] == "Lampu sudah menyala lagi."
    assert (closed["address"], closed["address_id"], closed["lat"], closed["media_url"]) == (None, None, None, None)
    assert closed["agency_responsible"] == "Dinas Bina Marga"
    # Referred and not yet taken by its receiver: the national hub holds it.
    assert rows[held["tracking_id"]]["status"] == "open"
    assert rows[held["tracking_id"]]["agency_responsible"] == "Hub nasional LAPOR!"

    english = api.client.get("/open311/v2/requests.xml", HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en")
    check_xml(english.content, REQUESTS)
    in_english = {r.findtext("service_request_id"): r for r in parse_xml(english.content).findall("request")}
    assert in_english[tracking_id].findtext("service_name") == "Street lighting"
    assert in_english[held["tracking_id"]].findtext("agency_responsible") == "LAPOR! national hub"
    assert in_english[tracking_id].find("zipcode") is not None and in_english[tracking_id].findtext("zipcode") == ""


def test_requests_default_to_the_last_90_days_and_at_most_the_newest_thousand(
    api: Any, units: Any, cast: Any, jakarta: Pemda, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = file_and_verify(api, units, privacy="public")
    middle = file_and_verify(api, units, privacy="public")
    newest = file_and_verify(api, units, privacy="public")
    long_ago = timezone.now() - timedelta(days=100)
    with tenant_context(jakarta):
        Report.objects.filter(pk=old.report_id).update(submitted_at=long_ago)
    ids = [r["service_request_id"] for r in _get(api, "/open311/v2/requests.json").json()]
    assert ids == [newest.tracking_id, middle.tracking_id]  # newest first; the 100-day-old one left out
    window = {
        "start_date": (long_ago - timedelta(days=1)).isoformat(),
        "end_date": (long_ago + timedelta(days=1)).isoformat(),
    }
    assert [r["service_request_id"] for r in _get(api, "/open311/v2/requests.json", **window).json()] == [
        old.tracking_id
    ]
    # The cap (1,000 in the specification's words) keeps the newest.
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 1)
    assert [r["service_request_id"] for r in _get(api, "/open311/v2/requests.json").json()] == [newest.tracking_id]
