"""The OpenAPI schema lists the error answers the API gives (lapor.schema), not only its success."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tenants.models import Pemda

pytestmark = pytest.mark.django_db


def _schema(host: str) -> dict[str, Any]:
    response = Client().get("/api/schema/?format=json", HTTP_HOST=host)
    assert response.status_code == 200
    return dict(response.json())


def test_an_officer_action_documents_every_refusal(jakarta: Pemda) -> None:
    verify = _schema("jakarta.localhost")["paths"]["/api/v1/officer/reports/{report_id}/verify/"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "413", "415", "422", "429"} <= set(verify["responses"])
    assert verify["responses"]["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    headers = {p["name"] for p in verify["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers


def test_following_a_report_documents_the_reporter_token(jakarta: Pemda) -> None:
    paths = _schema("jakarta.localhost")["paths"]
    track = paths["/api/v1/reports/track/{tracking_id}/"]["get"]
    assert {"200", "403", "404"} <= set(track["responses"])
    token = [p for p in track["parameters"] if p["name"] == "X-Reporter-Token"]
    assert token and token[0].get("required", False) is False
    reply = paths["/api/v1/reports/track/{tracking_id}/replies/"]["post"]
    assert [p["required"] for p in reply["parameters"] if p["name"] == "X-Reporter-Token"] == [True]


def test_the_citizens_report_list_is_described_as_the_cursor_page_it_is(hub: Pemda) -> None:
    schema = _schema("localhost")
    listed = schema["paths"]["/api/v1/me/reports/"]["get"]["responses"]
    assert listed["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MyReportPage"}
    assert set(schema["components"]["schemas"]["MyReportPage"]["properties"]) == {"next", "previous", "results"}
    assert "404" in listed  # a cursor that is not ours
    inbox = schema["paths"]["/sync/v1/inbox/"]["post"]["responses"]
    assert {"200", "400", "401", "403"} <= set(inbox)
