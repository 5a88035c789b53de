"""The tenant admin issues a key in the console (shown once, stored hashed) and revokes it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from open311.models import ApiClient
from open311.services import key_digest
from tenants.models import Pemda
from tests.open311.conftest import HOST
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db

REPORT = {
    "service_code": "banjir",
    "address_string": "Jl. Kemang Raya",
    "description": "Saluran air tersumbat, jalan tergenang setiap hujan sejak minggu lalu.",
}


def _signed_in(username: str) -> Client:
    client = Client(HTTP_HOST=HOST)
    staff_sign_in(client, username, f"{username}-pass-123")
    return client


def test_the_admin_issues_a_key_that_works_and_revokes_it(cast: Any, jakarta: Pemda) -> None:
    adi = _signed_in("adi")
    page = adi.post("/konsol/admin/open311/", {"action": "issue", "name": "Aplikasi JAKI"})
    assert page.status_code == 200
    key = re.search(r'id="issued-key">([^<]+)<', page.content.decode()).group(1)
    with tenant_context(jakarta):
        client = ApiClient.objects.get(name="Aplikasi JAKI")
        # Only the digest is kept; the listing shows the first characters alone.
        assert client.key_hash == key_digest(key) and key not in client.key_hash
    listing = adi.get("/konsol/admin/open311/").content.decode()
    assert "Aplikasi JAKI" in listing and key not in listing and client.key_prefix in listing

    citizen_app = Client(HTTP_HOST=HOST)
    filed = citizen_app.post("/open311/v2/requests.json", {**REPORT, "api_key": key})
    assert filed.status_code == 200, filed.content

    revoked = adi.post("/konsol/admin/open311/", {"action": "revoke", "client": client.pk})
    assert revoked.status_code == 302
    refused = citizen_app.post(
        "/open311/v2/requests.json", {**REPORT, "api_key": key, "description": REPORT["description"] + " Lagi."}
    )
    assert refused.status_code == 403
    assert "dicabut" in adi.get("/konsol/admin/open311/").content.decode()


def test_a_key_needs_a_name_and_only_the_admin_opens_the_page(cast: Any, jakarta: Pemda) -> None:
    adi = _signed_in("adi")
    assert adi.post("/konsol/admin/open311/", {"action": "issue", "name": "  "}).status_code == 400
    with tenant_context(jakarta):
        assert not ApiClient.objects.exists()
    assert _signed_in("vera").get("/konsol/admin/open311/").status_code == 403
    assert _signed_in("vera").post("/konsol/admin/open311/", {"action": "issue", "name": "X"}).status_code == 403
    assert Client(HTTP_HOST=HOST).get("/konsol/admin/open311/").status_code == 302  # to the login
