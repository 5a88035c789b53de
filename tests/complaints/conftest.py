"""The Jakarta cast for report tests.

Units: Dinas Perindustrian dan Energi (DPE) > Bidang Ketenagalistrikan > Seksi PJU, and Dinas
Bina Marga (DBM) beside it. People: vera (verifikator), adi (tenant admin), hana (head of DPE),
otto (officer of Seksi PJU), olga (officer of Bina Marga), pia (pimpinan), audi (auditor).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from agencies.models import Unit
from agencies.services import unit_ensure
from tenants.models import Pemda


@dataclass
class JakartaUnits:
    dpe: Unit
    listrik: Unit
    pju: Unit
    dbm: Unit


@pytest.fixture
def units(jakarta: Pemda) -> JakartaUnits:
    with tenant_context(jakarta):
        dpe = unit_ensure(code="DPE", name="Dinas Perindustrian dan Energi", kind="dinas")
        listrik = unit_ensure(code="DPE-LISTRIK", name="Bidang Ketenagalistrikan", kind="bidang", parent=dpe)
        pju = unit_ensure(code="DPE-PJU", name="Seksi Penerangan Jalan Umum", kind="seksi", parent=listrik)
        dbm = unit_ensure(code="DBM", name="Dinas Bina Marga", kind="dinas")
    return JakartaUnits(dpe=dpe, listrik=listrik, pju=pju, dbm=dbm)


def _member(username: str, tenant: Pemda, role: str, unit: Unit | None = None) -> User:
    user = User.objects.create_user(username, email=f"{username}@jakarta.go.id", password=f"{username}-pass-123")
    Membership.objects.create(user=user, tenant=tenant, role=role, unit_id=unit.pk if unit else None)
    return user


@pytest.fixture
def cast(jakarta: Pemda, units: JakartaUnits) -> dict[str, User]:
    return {
        "vera": _member("vera", jakarta, Role.VERIFIKATOR),
        "adi": _member("adi", jakarta, Role.TENANT_ADMIN),
        "hana": _member("hana", jakarta, Role.UNIT_HEAD, units.dpe),
        "otto": _member("otto", jakarta, Role.UNIT_OFFICER, units.pju),
        "olga": _member("olga", jakarta, Role.UNIT_OFFICER, units.dbm),
        "pia": _member("pia", jakarta, Role.PIMPINAN),
        "audi": _member("audi", jakarta, Role.AUDITOR),
    }


class Api:
    """HTTP calls to Jakarta's host, as a given officer or as the public."""

    def __init__(self, host: str = "jakarta.localhost") -> None:
        self.client = Client()
        self.host = host

    def _auth(self, user: str | None) -> dict[str, str]:
        if user is None:
            return {}
        raw = f"{user}:{user}-pass-123".encode()
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}

    def get(self, path: str, *, user: str | None = None, **extra: Any) -> Any:
        return self.client.get(path, HTTP_HOST=self.host, **self._auth(user), **extra)

    def post(self, path: str, data: Any = None, *, user: str | None = None, **extra: Any) -> Any:
        return self.client.post(
            path, data or {}, content_type="application/json", HTTP_HOST=self.host, **self._auth(user), **extra
        )

    def post_multipart(self, path: str, data: Any, **extra: Any) -> Any:
        return self.client.post(path, data, HTTP_HOST=self.host, **extra)

    def submit(self, **fields: Any) -> dict[str, Any]:
        body = {
            "type": "pengaduan",
            "category": "lampu-jalan",
            "title": "Lampu jalan mati di Jalan Merdeka",
            "text": "Sudah seminggu lampu penerangan jalan di depan nomor 12 mati, jalan gelap dan rawan.",
            "privacy": "public",
            "reporter_name": "Siti Aminah",
            "reporter_email": "siti@example.id",
            "reporter_phone": "081234567890",
            **fields,
        }
        response = self.post("/api/v1/reports/", body)
        assert response.status_code == 201, response.content
        return dict(response.json())

    def officer_id(self, tracking_id: str, user: str = "vera") -> int:
        found = self.get(f"/api/v1/officer/reports/?q={tracking_id}", user=user).json()["results"]
        assert len(found) == 1, found
        return int(found[0]["id"])

    def refer_to_bekasi(self, report_id: int, user: str = "vera") -> dict[str, Any]:
        """Bukan wewenang: the verifikator refers the report to Kota Bekasi (32.75); the report as answered."""
        referred = self.post(
            f"/api/v1/officer/reports/{report_id}/refer/",
            {"reason": "Lokasi di Kota Bekasi", "target_code": "32.75", "target_hint": "Pemerintah Kota Bekasi"},
            user=user,
        )
        assert referred.status_code == 200, referred.content
        return dict(referred.json())


@pytest.fixture
def api(jakarta: Pemda) -> Api:
    return Api()
