"""Bodies a hostile or careless client sends: each answered by the API's own 4xx, nothing stored."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings
from django_tenants.utils import tenant_context
from pypdf import PdfReader, PdfWriter

from complaints.models import Attachment, Report
from lapor.net import client_address
from tenants.models import Pemda
from tests.complaints.conftest import Api

FORM = {
    "category": "jalan",
    "title": "Trotoar amblas di depan pasar",
    "text": "Trotoar amblas sedalam setengah meter, pejalan kaki harus turun ke jalan raya.",
    "privacy": "public",
}


def _deep_json(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("path", ["/api/v1/reports/", "/api/v1/auth/login/"])
def test_deeply_nested_json_is_a_400_not_a_500(api: Api, jakarta: Pemda, path: str) -> None:
    body = _deep_json(1000)
    assert len(body) == 2000
    response = api.client.post(path, body, content_type="application/json", HTTP_HOST=api.host)
    assert response.status_code == 400, response.content
    assert "bersarang" in response.json()["detail"]


def test_deep_json_on_a_reply_is_refused_too(api: Api, jakarta: Pemda) -> None:
    report = api.submit()
    path = f"/api/v1/reports/track/{report['tracking_id']}/replies/"
    response = api.client.post(path, _deep_json(5000), content_type="application/json", HTTP_HOST=api.host)
    assert response.status_code == 400


def test_moderately_nested_json_still_parses(api: Api, jakarta: Pemda) -> None:
    body = {**FORM, "extra": json.loads(_deep_json(30))}
    response = api.post("/api/v1/reports/", body)
    assert response.status_code == 201, response.content


def test_multipart_field_that_is_not_utf8_is_refused(api: Api, jakarta: Pemda) -> None:
    boundary = "b0undary"
    parts = []
    for name, value in {**FORM, "title": None}.items():
        raw = b"Jalan rusak \xff\xfe di Cempaka" if value is None else value.encode()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + raw + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = api.client.post(
        "/api/v1/reports/", body, content_type=f"multipart/form-data; boundary={boundary}", HTTP_HOST=api.host
    )
    assert response.status_code == 400, response.content
    assert "UTF-8" in response.json()["detail"]
    with tenant_context(jakarta):
        assert not Report.objects.filter(text=FORM["text"]).exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_a_body_over_the_limit_gets_the_api_json_error(api: Api, jakarta: Pemda) -> None:
    body = json.dumps({**FORM, "text": "x" * 10_000})
    response = api.client.post("/api/v1/reports/", body, content_type="application/json", HTTP_HOST=api.host)
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert "besar" in response.json()["detail"]
    with_key = api.client.post(
        "/api/v1/reports/", body, content_type="application/json", HTTP_HOST=api.host, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert with_key["Content-Type"].startswith("application/json")
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()


def _pdf(title: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Budi Santoso NIK 3171012345670001", "/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_header_with_random_bytes_is_refused(api: Api, jakarta: Pemda) -> None:
    fake = SimpleUploadedFile("surat.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, content_type="application/pdf")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [fake]})
    assert response.status_code == 400, response.content
    assert "PDF" in response.json()["attachments"][0]
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()


def test_a_real_pdf_is_kept_without_its_metadata(api: Api, jakarta: Pemda) -> None:
    upload = SimpleUploadedFile("surat.pdf", _pdf("Surat keberatan"), content_type="application/pdf")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [upload]})
    assert response.status_code == 201, response.content
    with tenant_context(jakarta):
        attachment = Attachment.objects.get(report__tracking_id=response.json()["tracking_id"])
        stored = default_storage.open(attachment.file.name).read()
    assert attachment.content_type == "application/pdf"
    assert b"Budi Santoso" not in stored and b"3171012345670001" not in stored
    reader = PdfReader(io.BytesIO(stored))
    assert len(reader.pages) == 1
    assert not (reader.metadata or {}).get("/Author")


def _meta(remote: str, forwarded: str | None = None) -> dict[str, Any]:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return dict(request.META)


@override_settings(LAPOR_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_client_address_believes_only_trusted_proxies() -> None:
    # nginx appended the address it saw to what the client claimed: the client's claim is ignored.
    assert client_address(_meta("127.0.0.1", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    # two trusted proxies in a row: the first untrusted hop from the right.
    assert client_address(_meta("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1")) == "198.51.100.9"
    # a client connecting directly cannot claim an address.
    assert client_address(_meta("198.51.100.20", "1.1.1.1")) == "198.51.100.20"


@override_settings(LAPOR_TRUSTED_PROXIES=[])
def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert client_address(_meta("127.0.0.1", "6.6.6.6")) == "127.0.0.1"


@override_settings(LAPOR_TRUSTED_PROXIES=["127.0.0.1"])
def test_idempotency_scope_cannot_be_borrowed_by_forging_forwarded_for(api: Api, jakarta: Pemda) -> None:
    first = api.post("/api/v1/reports/", FORM, HTTP_IDEMPOTENCY_KEY="k-42", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert first.status_code == 201
    other = Client()
    # Another client claims the first one's address; nginx appends the real one.
    forged = other.post(
        "/api/v1/reports/",
        {**FORM},
        content_type="application/json",
        HTTP_HOST=api.host,
        HTTP_IDEMPOTENCY_KEY="k-42",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.99",
    )
    assert forged.status_code == 201
    assert forged.get("Idempotent-Replayed") is None
    assert forged.json()["tracking_id"] != first.json()["tracking_id"]


def test_requests_refused_before_any_view_answer_json_on_api_routes(jakarta: Pemda) -> None:
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

    from web.errors import bad_request

    factory = RequestFactory()
    api_answer = bad_request(factory.post("/api/v1/reports/"), RequestDataTooBig("too big"))
    assert api_answer.status_code == 413
    assert json.loads(api_answer.content)["detail"] == "Isi permintaan terlalu besar."
    page = bad_request(factory.post("/lapor/"), SuspiciousOperation("odd"))
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


def test_every_host_says_where_to_report_a_vulnerability(jakarta: Pemda, hub: Pemda) -> None:
    with override_settings(LAPOR_SECURITY_CONTACT="mailto:csirt@example.go.id"):
        for host in ("jakarta.localhost", "localhost"):
            answer = Client().get("/.well-known/security.txt", HTTP_HOST=host)
            assert answer.status_code == 200
            text = answer.content.decode()
            assert "Contact: mailto:csirt@example.go.id" in text and "Expires: " in text
    assert Client().get("/.well-known/security.txt", HTTP_HOST="localhost").status_code == 404


def test_a_time_filter_with_an_offset_postgresql_refuses_is_read_in_utc(api: Api, cast: Any) -> None:
    # Found by the schema fuzz (tests/trust/test_fuzz_schema.py): Python takes offsets up to
    # ±23:59, PostgreSQL only ±15:59, and the raw value made the database refuse the query (500).
    mine = api.submit()
    far_west = api.get("/api/v1/officer/reports/?submitted_from=2000-03-18T11:34:23-16:54", user="vera")
    assert far_west.status_code == 200, far_west.content
    assert mine["tracking_id"] in {r["tracking_id"] for r in far_west.json()["results"]}
    # A time that cannot be moved to UTC at all is bad input, not a server error.
    year_one = api.get("/api/v1/officer/reports/?submitted_to=0001-01-01T00:00:00%2B10:00", user="vera")
    assert year_one.status_code == 400 and "submitted_to" in year_one.json()


@pytest.mark.parametrize("path", ["/api/v1/officer/reports/abc/", "/api/v1/tidak-ada/", "/sync/v1/tidak-ada/"])
def test_an_api_path_that_matches_no_route_answers_the_api_json_404(api: Api, jakarta: Pemda, path: str) -> None:
    # Found by the schema fuzz: a report id that is not a number fell through to the HTML page.
    response = api.get(path, user="vera")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json()["code"] == "not_found"
    page = api.get("/halaman-yang-tidak-ada/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")  # people still get the page


def test_similar_reports_with_a_nul_byte_suggest_nothing_rather_than_fail(api: Api, jakarta: Pemda) -> None:
    # Found by the schema fuzz: the category code went to PostgreSQL with the NUL byte (a 500).
    response = api.get("/api/v1/reports/similar/?category=lampu%00jalan&title=Lampu+jalan+mati&text=gelap")
    assert response.status_code == 200 and response.json() == []
    api.submit()  # the same question without the NUL still finds it once it is public
    assert api.get("/api/v1/reports/similar/?category=lampu-jalan&title=Lampu+jalan+mati").status_code == 200
