"""Every refusal is the specification's error body, in the format asked for, with 400, 403 or 404."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from complaints.models import Report
from open311.models import ApiClient
from open311.services import apiclient_revoke
from tenants.models import Pemda
from tests.open311.conftest import HOST
from tests.open311.schemas import ERRORS, check_json, check_xml, parse_xml

pytestmark = pytest.mark.django_db

GOOD = {
    "service_code": "jalan",
    "address_string": "Jl. Kebon Sirih 5",
    "description": "Jalan berlubang besar di depan sekolah, sudah ada motor yang jatuh.",
}


def _error(response: Any, status: int, fmt: str) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    if fmt == "xml":
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        return list(check_xml(response.content, ERRORS))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    check_json(response.json(), ERRORS)
    return list(response.json())


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_get_errors(api: Any, fmt: str) -> None:
    def get(path: str, **params: Any) -> Any:
        return api.client.get(path.replace("{fmt}", fmt), params, HTTP_HOST=HOST)

    cases = [
        (get("/open311/v2/services/tidak-ada.{fmt}"), 404, "tidak-ada"),
        (get("/open311/v2/requests/ABCD-EFGHJ.{fmt}"), 404, "ABCD-EFGHJ"),
        (get("/open311/v2/tokens/12345.{fmt}"), 404, "12345"),
        (get("/open311/v2/requests.{fmt}", service_code="tidak-ada"), 404, "tidak-ada"),
        (get("/open311/v2/requests.{fmt}", start_date="kemarin"), 400, "start_date"),
        (
            get("/open311/v2/requests.{fmt}", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"),
            400,
            "90",
        ),
        (
            get("/open311/v2/requests.{fmt}", start_date="2026-06-01T00:00:00Z", end_date="2026-05-01T00:00:00Z"),
            400,
            "end_date",
        ),
        (get("/open311/v2/requests.{fmt}", status="pending"), 400, "pending"),
        (get("/open311/v2/requests.{fmt}", service_request_id="bukan-nomor"), 400, "bukan-nomor"),
        (get("/open311/v2/requests.{fmt}", service_request_id=",".join(["ABCD-EFGHJ"] * 1001)), 400, "1000"),
        (get("/open311/v2/requests.{fmt}", jurisdiction_id="bekasi.localhost"), 404, "bekasi.localhost"),
        (get("/open311/v2/requests.{fmt}", start_date="2026-01-01\x00"), 400, "start_date"),
        (get("/open311/v2/servicerequestupdates.{fmt}", start_date="2026-13-45"), 400, "start_date"),
    ]
    for response, status, mentioned in cases:
        errors = _error(response, status, fmt)
        assert errors[0]["code"] == status
        assert mentioned in errors[0]["description"], errors


def test_an_unknown_format_is_a_404_in_xml(api: Any) -> None:
    errors = _error(api.client.get("/open311/v2/services.html", HTTP_HOST=HOST), 404, "xml")
    assert "html" in errors[0]["description"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_errors_create_nothing(api: Any, api_key: str, jakarta: Pemda, fmt: str) -> None:
    def post(data: dict[str, Any], **extra: Any) -> Any:
        return api.client.post(f"/open311/v2/requests.{fmt}", data, HTTP_HOST=HOST, **extra)

    cases = [
        (post(GOOD), 403, "api_key"),
        (post({**GOOD, "api_key": "salah"}), 403, "api_key"),
        (post({**GOOD, "api_key": api_key, "service_code": ""}), 400, "service_code"),
        (post({**GOOD, "api_key": api_key, "service_code": "tidak-ada"}), 404, "tidak-ada"),
        (post({**GOOD, "api_key": api_key, "address_string": ""}), 400, "Lokasi"),
        (post({**GOOD, "api_key": api_key, "lat": "-6.2"}), 400, "lat"),
        (post({**GOOD, "api_key": api_key, "lat": "51.5", "long": "-0.12"}), 400, "lat"),
        (post({**GOOD, "api_key": api_key, "description": "Pendek"}), 400, "description"),
        (post({**GOOD, "api_key": api_key, "description": "x" * 4001}), 400, "4.000"),
        (post({**GOOD, "api_key": api_key, "email": "bukan-surel"}), 400, "email"),
        (post({**GOOD, "api_key": api_key, "attribute[warna]": "merah"}), 400, "warna"),
        (post({**GOOD, "api_key": api_key, "attribute[privasi]": "terbuka"}), 400, "attribute[privasi]"),
        (post({**GOOD, "api_key": api_key, "attribute[jenis][]": ["pengaduan", "aspirasi"]}), 400, "jenis"),
        (post({**GOOD, "api_key": api_key, "description": "Jalan rusak\x00 parah sekali di sini"}), 400, "description"),
        (post({**GOOD, "api_key": api_key, "address_id": "bukan kode"}), 400, "address_id"),
        # Oversized: refused before the body is read.
        (post({**GOOD, "api_key": api_key, "address_string": "x" * 70000}), 400, "terlalu besar"),
    ]
    for response, status, mentioned in cases:
        errors = _error(response, status, fmt)
        assert any(mentioned in e["description"] for e in errors), errors
    with tenant_context(jakarta):
        assert not Report.objects.exists()


def test_a_malformed_body_is_a_400(api: Any, api_key: str) -> None:
    broken = api.client.post(
        "/open311/v2/requests.json",
        b'--x\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n' + api_key.encode(),
        content_type="multipart/form-data; boundary=x",
        HTTP_HOST=HOST,
    )
    assert broken.status_code in (400, 403)
    check_json(broken.json(), ERRORS)
    too_many = api.client.post(
        "/open311/v2/requests.xml",
        "&".join(f"f{i}=1" for i in range(1500)),
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=HOST,
    )
    assert too_many.status_code == 400
    check_xml(too_many.content, ERRORS)


def test_a_revoked_key_files_nothing(api: Any, api_key: str, jakarta: Pemda, cast: Any) -> None:
    with tenant_context(jakarta):
        client = ApiClient.objects.get()
        apiclient_revoke(client_id=client.pk, actor_user_id=cast["adi"].pk)
    refused = api.client.post("/open311/v2/requests.json", {**GOOD, "api_key": api_key}, HTTP_HOST=HOST)
    _error(refused, 403, "json")
    with tenant_context(jakarta):
        assert not Report.objects.exists()


def test_other_methods_get_a_405_in_the_format(api: Any) -> None:
    deleted = api.client.delete("/open311/v2/services.json", HTTP_HOST=HOST)
    errors = _error(deleted, 405, "json")
    assert errors[0]["code"] == 405 and "GET" in deleted["Allow"]


def test_options_and_head_answer_without_error(api: Any) -> None:
    options = api.client.options("/open311/v2/requests.xml", HTTP_HOST=HOST)
    assert options.status_code == 200
    parse_xml(options.content)  # well-formed
    assert api.client.options("/open311/v2/requests.json", HTTP_HOST=HOST).json()["name"]
    head = api.client.head("/open311/v2/services.json", HTTP_HOST=HOST)
    assert head.status_code == 200 and head["Content-Type"] == "application/json; charset=utf-8"
