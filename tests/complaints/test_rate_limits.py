"""Anonymous intake is rate limited per client address and per phone number (429 with Retry-After)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django_tenants.utils import tenant_context
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from complaints.models import Report
from tenants.models import Pemda

FORM = {
    "category": "jalan",
    "title": "Got mampet di gang tiga",
    "text": "Air got meluap ke jalan setiap hujan, sampah menyumbat saluran di ujung gang.",
    "privacy": "public",
}


@pytest.fixture
def rates(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_rates(address: str | None, phone: str | None) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"intake_address": address, "intake_phone": phone})

    yield set_rates
    assert api_settings.DEFAULT_THROTTLE_RATES  # the real settings are untouched


def _post(client: Client, address: str, **fields: str) -> Any:
    return client.post(
        "/api/v1/reports/",
        {**FORM, **fields},
        content_type="application/json",
        HTTP_HOST="jakarta.localhost",
        REMOTE_ADDR=address,
    )


def test_defaults_are_on() -> None:
    assert api_settings.DEFAULT_THROTTLE_RATES["intake_address"] == "60/min"
    assert api_settings.DEFAULT_THROTTLE_RATES["intake_phone"] == "10/hour"


def test_one_address_filing_too_fast_is_told_when_to_come_back(rates: Any, jakarta: Pemda) -> None:
    rates("3/min", None)
    client = Client()
    answers = [_post(client, "203.0.113.5", title=f"Got mampet nomor {n}") for n in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Coba lagi dalam" in refused.json()["detail"]
    with tenant_context(jakarta):
        assert not Report.objects.filter(title="Got mampet nomor 3").exists()
    # Another address is not affected.
    assert _post(client, "198.51.100.8").status_code == 201


def test_one_phone_number_is_limited_across_addresses(rates: Any, jakarta: Pemda) -> None:
    rates(None, "2/hour")
    client = Client()
    codes = [
        _post(client, f"203.0.113.{n}", reporter_phone=phone).status_code
        for n, phone in enumerate(["081234567890", "+6281234567890", "6281234567890"])
    ]
    assert codes == [201, 201, 429]  # the same number written three ways
    assert _post(client, "203.0.113.9", reporter_phone="081299998888").status_code == 201


def test_the_english_answer_and_the_portal_form(rates: Any, jakarta: Pemda) -> None:
    rates("1/min", None)
    client = Client()
    assert _post(client, "203.0.113.50").status_code == 201
    english = client.post(
        "/api/v1/reports/",
        FORM,
        content_type="application/json",
        HTTP_HOST="jakarta.localhost",
        REMOTE_ADDR="203.0.113.50",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 429
    assert "Try again in" in english.json()["detail"]


@override_settings(LAPOR_TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_the_proxy_each_client_is_counted_by_its_own_address(rates: Any, jakarta: Pemda) -> None:
    rates("1/min", None)
    client = Client()

    def via_proxy(forwarded: str) -> int:
        return client.post(
            "/api/v1/reports/",
            FORM,
            content_type="application/json",
            HTTP_HOST="jakarta.localhost",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert via_proxy("203.0.113.70") == 201
    assert via_proxy("203.0.113.71") == 201  # another citizen behind the same proxy
    # The first client cannot escape its limit by claiming another address in front of the real one.
    assert via_proxy("10.9.9.9, 203.0.113.70") == 429


def test_the_portal_form_says_so_in_the_page_with_429(rates: Any, jakarta: Pemda) -> None:
    from tests.web.test_portal import FORM as PORTAL_FORM
    from tests.web.test_portal import _browser, _post_form

    rates("1/min", None)
    browser = _browser()
    assert _post_form(browser, "/lapor/", PORTAL_FORM).status_code == 302
    second = _post_form(browser, "/lapor/", {**PORTAL_FORM, "title": "Lampu mati lagi di gang lima"})
    assert second.status_code == 429
    assert int(second["Retry-After"]) >= 1
    page = second.content.decode()
    assert "Coba lagi dalam" in page
    assert "Lampu mati lagi di gang lima" in page  # what was typed is kept
    with tenant_context(jakarta):
        assert not Report.objects.filter(title="Lampu mati lagi di gang lima").exists()
