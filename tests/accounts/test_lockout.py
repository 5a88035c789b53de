"""Login throttling: wrong passwords lock one username from one address out for a while (django-axes)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role
from tenants.models import Pemda
from tests.two_factor import otp_code

HOST = "jakarta.localhost"


@pytest.fixture
def vera(jakarta: Pemda) -> User:
    user = User.objects.create_user("vera-lock", password="vera-pass-123")
    Membership.objects.create(user=user, tenant=jakarta, role=Role.VERIFIKATOR)
    return user


def _page_login(client: Client, password: str, address: str = "203.0.113.10") -> Any:
    page = client.get("/masuk/", HTTP_HOST=HOST, REMOTE_ADDR=address)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    data = {"csrfmiddlewaretoken": token, "username": "vera-lock", "password": password}
    return client.post("/masuk/", data, HTTP_HOST=HOST, REMOTE_ADDR=address)


def _api_login(password: str, address: str = "203.0.113.10", **extra: str) -> Any:
    return Client().post(
        "/api/v1/auth/login/",
        # The right password comes with the authenticator's code (two-factor sign-in).
        {
            "username": "vera-lock",
            "password": password,
            **({"otp": otp_code("vera-lock")} if "pass" in password else {}),
        },
        content_type="application/json",
        HTTP_HOST=HOST,
        REMOTE_ADDR=address,
        **extra,
    )


def test_five_wrong_passwords_lock_the_form_even_for_the_right_one(vera: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    for _ in range(4):
        assert _page_login(browser, "salah-terus").status_code == 400
    locked = _page_login(browser, "salah-terus")
    assert locked.status_code == 429
    right = _page_login(browser, "vera-pass-123")
    assert right.status_code == 429  # the right password does not open a locked door
    assert int(right["Retry-After"]) == 15 * 60
    assert "Terlalu banyak percobaan masuk yang gagal" in right.content.decode()
    assert browser.get("/konsol/", HTTP_HOST=HOST).status_code == 302  # still not signed in
    # Another address (the officer at her desk) is not locked out by an attacker elsewhere.
    assert _page_login(Client(enforce_csrf_checks=True), "vera-pass-123", address="198.51.100.4").status_code == 302


def test_the_api_login_and_basic_auth_count_and_answer_json(vera: User) -> None:
    for _ in range(5):
        assert _api_login("salah").status_code in (400, 429)
    locked = _api_login("vera-pass-123", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed sign-in attempts" in locked.json()["detail"]
    basic = "Basic " + base64.b64encode(b"vera-lock:vera-pass-123").decode()
    me = Client().get("/api/v1/me/", HTTP_HOST=HOST, REMOTE_ADDR="203.0.113.10", HTTP_AUTHORIZATION=basic)
    assert me.status_code in (401, 403, 429)


def test_the_lock_opens_after_the_cool_off_and_a_success_forgets_failures(vera: User, time_machine: Any) -> None:
    for _ in range(5):
        _api_login("salah")
    assert _api_login("vera-pass-123").status_code == 429
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    assert _api_login("vera-pass-123").status_code == 200
    for _ in range(4):
        assert _api_login("salah").status_code == 400
    assert _api_login("vera-pass-123").status_code == 200  # reset on success
    assert _api_login("salah").status_code == 400


@pytest.mark.parametrize("credentials", [b"vera-\x00lock:vera-pass-123", b"vera-lock:vera\x00-pass-123"])
def test_basic_credentials_with_a_nul_byte_are_refused_not_a_500(vera: User, credentials: bytes) -> None:
    # Found by the schema fuzz: the name went into the lockout's query, which PostgreSQL refused.
    header = "Basic " + base64.b64encode(credentials).decode()
    response = Client().get("/api/v1/officer/reports/", HTTP_HOST="jakarta.localhost", HTTP_AUTHORIZATION=header)
    # 403 as for any refused credentials on the officers' API (its first scheme, the session, has no challenge).
    assert response.status_code == 403
    assert response.json()["detail"] == "Nama pengguna atau kata sandi tidak sah."
