"""At the hub, jurisdiction_id chooses the Pemda; the answer comes from that Pemda's schema alone."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from complaints.models import Channel, Report
from tenants.models import Pemda
from tests.open311.conftest import file_and_verify
from tests.open311.schemas import CREATED, DISCOVERY, ERRORS, REQUESTS, SERVICES, check_json, check_xml

pytestmark = pytest.mark.django_db
HUB = "localhost"


def test_the_hub_needs_a_jurisdiction_and_answers_from_that_pemda(
    api: Any, units: Any, api_key: str, jakarta: Pemda, bekasi: Pemda
) -> None:
    shown = file_and_verify(api, units, privacy="public")

    check_xml(api.client.get("/open311/v2/discovery.xml", HTTP_HOST=HUB).content, DISCOVERY)
    missing = api.client.get("/open311/v2/requests.xml", HTTP_HOST=HUB)
    assert missing.status_code == 400
    assert "jurisdiction_id" in check_xml(missing.content, ERRORS)[0]["description"]
    unknown = api.client.get("/open311/v2/services.json", {"jurisdiction_id": "atlantis.localhost"}, HTTP_HOST=HUB)
    assert unknown.status_code == 404
    check_json(unknown.json(), ERRORS)
    hub_itself = api.client.get("/open311/v2/services.json", {"jurisdiction_id": "localhost"}, HTTP_HOST=HUB)
    assert hub_itself.status_code == 404

    services = api.client.get("/open311/v2/services.json", {"jurisdiction_id": "jakarta.localhost"}, HTTP_HOST=HUB)
    check_json(services.json(), SERVICES)
    listed = api.client.get("/open311/v2/requests.xml", {"jurisdiction_id": "JAKARTA.localhost"}, HTTP_HOST=HUB)
    rows = check_xml(listed.content, REQUESTS)
    assert [r["service_request_id"] for r in rows] == [shown.tracking_id]
    # Bekasi's schema holds none of Jakarta's reports: no union over schemas.
    elsewhere = api.client.get("/open311/v2/requests.json", {"jurisdiction_id": "bekasi.localhost"}, HTTP_HOST=HUB)
    assert elsewhere.status_code == 200 and elsewhere.json() == []

    filed = api.client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": "jakarta.localhost",
            "service_code": "sampah",
            "address_string": "Pasar Senen",
            "description": "Sampah menumpuk di depan pasar sejak seminggu lalu, baunya menyengat.",
        },
        HTTP_HOST=HUB,
    )
    assert filed.status_code == 200, filed.content
    check_json(filed.json(), CREATED)
    with tenant_context(jakarta):
        report = Report.objects.get(tracking_id=filed.json()[0]["service_request_id"])
        assert report.channel == Channel.OPEN311
    # Jakarta's key is Jakarta's: it files nothing in Bekasi.
    refused = api.client.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "jurisdiction_id": "bekasi.localhost", "service_code": "sampah",
         "address_string": "Pasar Baru", "description": "Sampah menumpuk di depan pasar sejak seminggu lalu."},
        HTTP_HOST=HUB,
    )  # fmt: skip
    assert refused.status_code == 403
    with tenant_context(bekasi):
        assert not Report.objects.exists()
    # After the request the hub is the hub again (the connection is back in public).
    again = api.client.get("/open311/v2/requests.xml", HTTP_HOST=HUB)
    assert again.status_code == 400
