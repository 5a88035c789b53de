"""The tenant admin's pages: the SKPD tree, officers invited by a one-time link, the work calendar."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from agencies.models import Unit
from complaints.models import CalendarDay
from tenants.models import Pemda
from tests.two_factor import enrol_on_page, signed_in, staff_sign_in

pytestmark = pytest.mark.django_db
HOST = "jakarta.localhost"


def _signed_in(username: str) -> Client:
    return signed_in(username, HOST)


def test_the_admin_builds_the_skpd_tree(cast: Any, units: Any, jakarta: Pemda) -> None:
    adi = _signed_in("adi")
    added = adi.post(
        "/konsol/admin/unit/", {"action": "add", "name": "Bidang Jalan", "kind": "bidang", "parent": units.dbm.pk}
    )
    assert added.status_code == 302
    with tenant_context(jakarta):
        bidang = Unit.objects.get(name="Bidang Jalan")
        assert bidang.path.startswith(units.dbm.path)
    # Moving Bina Marga under DPE moves its Bidang Jalan too; a unit never goes under itself.
    assert (
        adi.post("/konsol/admin/unit/", {"action": "move", "unit": units.dbm.pk, "parent": units.dpe.pk}).status_code
        == 302
    )
    refused = adi.post("/konsol/admin/unit/", {"action": "move", "unit": units.dpe.pk, "parent": bidang.pk})
    assert refused.status_code == 400 and "bawah dirinya sendiri" in refused.content.decode()
    with tenant_context(jakarta):
        bidang.refresh_from_db()
        assert bidang.path.startswith(units.dpe.path)
    assert adi.post("/konsol/admin/unit/", {"action": "deactivate", "unit": bidang.pk}).status_code == 302
    with tenant_context(jakarta):
        assert not Unit.objects.get(pk=bidang.pk).is_active


def test_only_the_tenant_admin_opens_the_admin_pages(cast: Any) -> None:
    vera = _signed_in("vera")
    for path in ("/konsol/admin/unit/", "/konsol/admin/petugas/", "/konsol/admin/kalender/"):
        assert vera.get(path).status_code == 403


def test_an_officer_is_invited_by_a_one_time_link_and_chooses_a_password(cast: Any, units: Any, jakarta: Pemda) -> None:
    adi = _signed_in("adi")
    page = adi.post(
        "/konsol/admin/petugas/",
        {"action": "invite", "username": "wulan", "email": "wulan@jakarta.go.id", "role": Role.UNIT_OFFICER,
         "unit_id": units.pju.pk},
    )  # fmt: skip
    assert page.status_code == 200
    link = re.search(r'id="invite-link" href="([^"]+)"', page.content.decode()).group(1)
    assert Membership.objects.get(user__username="wulan", tenant=jakarta).unit_id == units.pju.pk
    wulan = Client(HTTP_HOST=HOST)
    path = link.split(HOST, 1)[1]
    # The newcomer enrols an authenticator first (two-factor sign-in), then chooses a password.
    assert wulan.post(path)["Location"] == "/masuk/aktifkan-verifikasi/"
    _key, _codes, shown = enrol_on_page(wulan)
    assert 'href="/konsol/sandi/"' in shown.content.decode()
    chosen = wulan.post("/konsol/sandi/", {"new_password1": "Lampu-Terang-2026", "new_password2": "Lampu-Terang-2026"})
    assert chosen.status_code == 302
    assert Client(HTTP_HOST=HOST).post(path).status_code == 410  # used once
    staff_sign_in(Client(HTTP_HOST=HOST), "wulan", "Lampu-Terang-2026")


def test_the_admin_adds_a_regional_holiday(cast: Any, jakarta: Pemda) -> None:
    adi = _signed_in("adi")
    bad = adi.post("/konsol/admin/kalender/", {"date": "bukan-tanggal", "kind": "holiday", "name": ""})
    assert bad.status_code == 400
    ok = adi.post("/konsol/admin/kalender/", {"date": "2026-06-22", "kind": "holiday", "name": "HUT Kota Jakarta"})
    assert ok.status_code == 302
    with tenant_context(jakarta):
        assert CalendarDay.objects.get(date="2026-06-22").name == "HUT Kota Jakarta"
