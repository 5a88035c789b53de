"""Open311 is described in the OpenAPI schema of the Pemda host and of the hub, in both formats."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["jakarta.localhost", "localhost"])
def test_the_schema_describes_every_open311_route(host: str, tenants_registry: object) -> None:
    schema = Client(HTTP_HOST=host).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for route in (
        "/open311/v2/discovery.{fmt}",
        "/open311/v2/services.{fmt}",
        "/open311/v2/services/{code}.{fmt}",
        "/open311/v2/requests.{fmt}",
        "/open311/v2/requests/{tracking_id}.{fmt}",
        "/open311/v2/tokens/{token}.{fmt}",
        "/open311/v2/servicerequestupdates.{fmt}",
    ):
        assert route in paths, (route, [p for p in paths if "open311" in p])
    listing = paths["/open311/v2/requests.{fmt}"]
    assert set(listing) >= {"get", "post"}
    assert set(listing["get"]["responses"]["200"]["content"]) == {"text/xml", "application/json"}
    parameters = {p["name"] for p in listing["get"]["parameters"]}
    assert {"service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id"} <= parameters
    assert "application/x-www-form-urlencoded" in listing["post"]["requestBody"]["content"]
    assert "403" in listing["post"]["responses"]
