"""One login, many tenants: every permission is checked against the current host's membership."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, Role
from tenants.models import Pemda
from tests.two_factor import otp_code


@pytest.fixture
def alice(jakarta: Pemda) -> User:
    user = User.objects.create_user("alice", password="alice-pass-123")
    Membership.objects.create(user=user, tenant=jakarta, role=Role.TENANT_ADMIN)
    return user


@pytest.fixture
def charlie(jakarta: Pemda) -> User:
    return User.objects.create_user("charlie", password="charlie-pass-123")


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_member_sees_her_roles_on_her_pemda(alice: User) -> None:
    response = Client().get(
        "/api/v1/me/", HTTP_HOST="jakarta.localhost", HTTP_AUTHORIZATION=_basic("alice", "alice-pass-123")
    )
    assert response.status_code == 200
    assert response.json()["tenant_code"] == "31"
    assert response.json()["memberships"] == [{"role": "tenant_admin", "unit_id": None}]


def test_member_of_jakarta_is_anonymous_on_bekasi(alice: User, bekasi: Pemda) -> None:
    response = Client().get(
        "/api/v1/me/", HTTP_HOST="bekasi.localhost", HTTP_AUTHORIZATION=_basic("alice", "alice-pass-123")
    )
    assert response.status_code in (401, 403)


def test_user_without_membership_is_anonymous_everywhere(charlie: User) -> None:
    for host in ("jakarta.localhost", "localhost"):
        response = Client().get("/api/v1/me/", HTTP_HOST=host, HTTP_AUTHORIZATION=_basic("charlie", "charlie-pass-123"))
        assert response.status_code in (401, 403), host


def test_session_opened_on_jakarta_is_unknown_on_bekasi(alice: User, bekasi: Pemda) -> None:
    # alice is a member of both Pemda, so only the session's own scoping can keep her out.
    Membership.objects.create(user=alice, tenant=bekasi, role=Role.UNIT_OFFICER, unit_id=7)
    client = Client()
    login = client.post(
        "/api/v1/auth/login/",
        {"username": "alice", "password": "alice-pass-123", "otp": otp_code(alice)},
        content_type="application/json",
        HTTP_HOST="jakarta.localhost",
    )
    assert login.status_code == 200
    assert client.cookies["sessionid"]["domain"] == ""  # no wildcard cookie domain
    assert client.get("/api/v1/me/", HTTP_HOST="jakarta.localhost").status_code == 200
    # The test client sends the same cookie to every host; Bekasi's schema has no such session.
    assert client.get("/api/v1/me/", HTTP_HOST="bekasi.localhost").status_code in (401, 403)


def test_login_refuses_a_non_member_with_an_indonesian_message(charlie: User) -> None:
    response = Client().post(
        "/api/v1/auth/login/",
        {"username": "charlie", "password": "charlie-pass-123"},
        content_type="application/json",
        HTTP_HOST="jakarta.localhost",
    )
    assert response.status_code == 400
    assert "bukan anggota Pemda ini" in response.json()["detail"]
