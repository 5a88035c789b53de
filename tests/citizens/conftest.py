"""The mobile app as a citizen uses it: asks for a code, reads it off the SMS or the e-mail, signs in.

Cast: siti signs in with her phone, budi with his e-mail address; the officers are the Jakarta
cast of tests/complaints (vera the verifikator, otto of Seksi PJU, …). Hosts: Jakarta and Bekasi
take reports; Jawa Barat's host and the hub's are "a third host" that holds none of them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from channels.identity import sender_hash
from channels.models import OutboundMessage
from tests.complaints.conftest import api, cast, units  # noqa: F401 - fixtures

SITI_PHONE = "0812 3456 7890"
SITI_E164 = "+6281234567890"
BUDI_EMAIL = "Budi.Santoso@Example.ID"
JAKARTA = "jakarta.localhost"
BEKASI = "bekasi.localhost"
JABAR = "jabar.localhost"
HUB = "localhost"

REPORT = {
    "type": "pengaduan",
    "category": "lampu-jalan",
    "title": "Lampu jalan mati di Jalan Merdeka",
    "text": "Sudah seminggu lampu penerangan jalan di depan nomor 12 mati, jalan gelap dan rawan.",
    "privacy": "public",
    "channel": "mobile",
}


def sms_code(phone_e164: str) -> str:
    """The code in the newest SMS queued to this number by the hub's channel layer (public schema)."""
    with schema_context("public"):
        message = OutboundMessage.objects.filter(recipient_hash=sender_hash(phone_e164)).latest("pk")
    return re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]


def mail_code(address: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [address]][-1:]
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


class App:
    """One phone with the app installed: a client with the citizen's token once signed in."""

    def __init__(self) -> None:
        self.client = Client()
        self.token = ""

    def _headers(self, token: str | None) -> dict[str, str]:
        token = self.token if token is None else token
        return {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

    def get(self, path: str, *, host: str = HUB, token: str | None = None, **extra: Any) -> Any:
        return self.client.get(path, HTTP_HOST=host, **self._headers(token), **extra)

    def post(self, path: str, data: Any = None, *, host: str = HUB, token: str | None = None, **extra: Any) -> Any:
        return self.client.post(
            path, data or {}, content_type="application/json", HTTP_HOST=host, **self._headers(token), **extra
        )

    def ask_code(self, *, host: str = HUB, **contact: str) -> Any:
        return self.post("/api/v1/citizen/code/", contact, host=host, token="")

    def sign_in(self, *, code: str, host: str = HUB, **contact: str) -> Any:
        response = self.post("/api/v1/citizen/token/", {**contact, "code": code}, host=host, token="")
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def sign_in_by_phone(self, phone: str = SITI_PHONE, e164: str = SITI_E164) -> dict[str, Any]:
        assert self.ask_code(phone=phone).status_code == 202
        response = self.sign_in(phone=phone, code=sms_code(e164))
        assert response.status_code == 200, response.content
        return dict(response.json())

    def sign_in_by_email(self, email: str = BUDI_EMAIL) -> dict[str, Any]:
        assert self.ask_code(email=email).status_code == 202
        response = self.sign_in(email=email, code=mail_code(email.lower()))
        assert response.status_code == 200, response.content
        return dict(response.json())

    def file(self, host: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/api/v1/reports/", {**REPORT, **fields}, host=host)
        assert response.status_code == 201, response.content
        return dict(response.json())

    def my_reports(self, host: str = HUB) -> list[dict[str, Any]]:
        response = self.get("/api/v1/me/reports/", host=host)
        assert response.status_code == 200, response.content
        return list(response.json()["results"])


@pytest.fixture
def app(hub: Any, jakarta: Any, bekasi: Any) -> App:
    return App()


@pytest.fixture
def other_app(hub: Any) -> App:
    return App()
