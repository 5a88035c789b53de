"""Open311 tests: Jakarta's cast, public and rahasia reports moved on by the verifikator, an API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from open311.services import apiclient_issue
from tenants.models import Pemda
from tests.complaints.conftest import Api, api, cast, units  # noqa: F401 - fixtures

HOST = "jakarta.localhost"


@dataclass
class Filed:
    tracking_id: str
    report_id: int


def file_and_verify(client: Api, jakarta_units: Any, *, answer: str = "", final: bool = False, **fields: Any) -> Filed:
    """A report through the JSON intake, verified and disposed to Bina Marga by vera."""
    submitted = client.submit(**fields)
    report_id = client.officer_id(submitted["tracking_id"])
    verified = client.post(
        f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": jakarta_units.dbm.pk}, user="vera"
    )
    assert verified.status_code == 200, verified.content
    if answer:
        posted = client.post(
            f"/api/v1/officer/reports/{report_id}/followups/", {"text": answer, "final": final}, user="olga"
        )
        assert posted.status_code == 201, posted.content
    return Filed(tracking_id=submitted["tracking_id"], report_id=report_id)


@pytest.fixture
def api_key(jakarta: Pemda, request: pytest.FixtureRequest) -> str:
    adi = request.getfixturevalue("cast")["adi"]
    with tenant_context(jakarta):
        return apiclient_issue(name="Aplikasi Jakarta Kini", actor_user_id=adi.pk).key
