"""A lost authenticator: the Pemda admin resets it (confirmed with the admin's own code) and the
officer enrols again; anyone signed in replaces their recovery codes with a current code."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import Membership, Role
from tenants.models import Pemda
from tests.two_factor import otp_code, otp_enrol, signed_in

pytestmark = pytest.mark.django_db
HOST = "jakarta.localhost"
PAGE = "/konsol/admin/petugas/"


def _signed_in(username: str) -> Client:
    return signed_in(username, HOST)


def _reset(admin: Client, person: User, code: str) -> Any:
    return admin.post(PAGE, {"action": "reset_authenticator", "person": person.pk, "code": code})


def test_the_admin_resets_a_lost_authenticator_and_the_officer_enrols_again(cast: Any) -> None:
    vera_user = cast["vera"]
    vera = _signed_in("vera")
    two_factor.recovery_codes_issue(vera_user)
    assert vera.get("/konsol/antrean/").status_code == 200
    adi = _signed_in("adi")
    page = adi.get(PAGE).content.decode()
    assert re.search(r"<td[^>]*>vera</td>\s*<td[^>]*>terpasang", page)

    wrong = _reset(adi, vera_user, "000000")
    assert wrong.status_code == 400 and "Kode verifikasi Anda tidak cocok" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=vera_user).exists()
    with time_machine.travel(time.time() + 3, tick=False):  # django-otp's pause after a wrong code
        done = _reset(adi, vera_user, otp_code("adi"))
        assert (done.status_code, done["Location"]) == (302, PAGE)
        shown = adi.get(PAGE).content.decode()
        assert "Autentikator vera diatur ulang" in shown
        assert re.search(r"<td[^>]*>vera</td>\s*<td[^>]*>belum dipasang", shown)
        assert not TOTPDevice.objects.filter(user=vera_user).exists()
        assert not StaticDevice.objects.filter(user=vera_user).exists()
        # Vera's open session lost its second factor with the device: she is nobody until she signs in again.
        assert vera.get("/konsol/antrean/")["Location"].startswith("/masuk/")
        again = Client(HTTP_HOST=HOST)
        first = again.post("/masuk/", {"username": "vera", "password": "vera-pass-123"})
        assert (first.status_code, first["Location"]) == (302, "/masuk/aktifkan-verifikasi/")


def test_the_admin_resets_only_people_who_work_only_here_and_never_themselves(
    cast: Any, jakarta: Pemda, bekasi: Pemda
) -> None:
    rina = User.objects.create_user("rina", password="rina-pass-123")
    Membership.objects.create(user=rina, tenant=jakarta, role=Role.VERIFIKATOR)
    Membership.objects.create(user=rina, tenant=bekasi, role=Role.VERIFIKATOR)
    otp_enrol(rina)
    stranger = User.objects.create_user("budi", password="budi-pass-123")
    Membership.objects.create(user=stranger, tenant=bekasi, role=Role.VERIFIKATOR)
    otp_enrol(stranger)
    adi = _signed_in("adi")
    page = adi.get(PAGE).content.decode()
    assert "diatur ulang oleh hub nasional" in page
    assert f'<option value="{rina.pk}"' not in page and f'<option value="{cast["adi"].pk}"' not in page

    elsewhere = _reset(adi, rina, otp_code("adi"))
    assert elsewhere.status_code == 400
    assert "rina juga memegang peran di luar Pemda ini" in elsewhere.content.decode()
    mine = _reset(adi, cast["adi"], otp_code("adi"))
    assert mine.status_code == 400 and "Autentikator Anda sendiri" in mine.content.decode()
    not_here = _reset(adi, stranger, otp_code("adi"))
    assert not_here.status_code == 400 and "tidak ditemukan di Pemda ini" in not_here.content.decode()
    assert TOTPDevice.objects.filter(user__in=[rina, stranger, cast["adi"]]).count() == 3
    # A verifikator is not an admin: the page and its reset are closed to her.
    otp_enrol(cast["olga"])
    vera = _signed_in("vera")
    assert _reset(vera, cast["olga"], otp_code("vera")).status_code == 403
    assert TOTPDevice.objects.filter(user=cast["olga"]).exists()


def test_a_signed_in_officer_replaces_the_recovery_codes_with_a_current_code(cast: Any) -> None:
    vera_user = cast["vera"]
    vera = _signed_in("vera")
    old = two_factor.recovery_codes_issue(vera_user)
    page = vera.get("/konsol/keamanan/")
    assert page.status_code == 200 and "Tersisa 10 kode pemulihan" in page.content.decode()
    assert 'href="/konsol/keamanan/"' in vera.get("/konsol/antrean/").content.decode()

    # A recovery code cannot make more recovery codes (a lost phone is not replaced by codes alone).
    refused = vera.post("/konsol/keamanan/", {"code": old[0]})
    assert refused.status_code == 400 and "Kode tidak cocok" in refused.content.decode()
    assert two_factor.recovery_codes_left(vera_user) == 10
    with time_machine.travel(time.time() + 3, tick=False):
        made = vera.post("/konsol/keamanan/", {"code": otp_code("vera")})
        assert made.status_code == 200 and made["Cache-Control"].startswith("max-age=0")
        new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", made.content.decode())
        assert len(new) == 10 and not set(new) & set(old)

        # The old codes no longer pass the second step; a new one does, once.
        def second_step(code: str) -> Any:
            client = Client(HTTP_HOST=HOST)
            client.post("/masuk/", {"username": "vera", "password": "vera-pass-123"})
            return client.post("/masuk/verifikasi/", {"code": code})

        assert second_step(old[1]).status_code == 400
    with time_machine.travel(time.time() + 10, tick=False):
        assert second_step(new[0]).status_code == 302
    assert two_factor.recovery_codes_left(vera_user) == 9


def test_wrong_codes_at_either_form_count_toward_the_lockout(cast: Any) -> None:
    vera = _signed_in("vera")
    adi = _signed_in("adi")
    for _ in range(4):
        assert vera.post("/konsol/keamanan/", {"code": "000000"}).status_code == 400
        assert _reset(adi, cast["olga"], "000000").status_code == 400
    # The fifth wrong code locks each out (LAPOR_LOGIN_FAILURE_LIMIT), as at sign-in.
    assert vera.post("/konsol/keamanan/", {"code": "000000"}).status_code == 429
    assert _reset(adi, cast["olga"], "000000").status_code == 429
    # Locked: even the right code is refused now, and nothing changed.
    with time_machine.travel(time.time() + 70, tick=False):
        locked = vera.post("/konsol/keamanan/", {"code": otp_code("vera")})
        assert locked.status_code == 429 and "Terlalu banyak percobaan" in locked.content.decode()
        assert _reset(adi, cast["olga"], otp_code("adi")).status_code == 429
    assert two_factor.recovery_codes_left(cast["vera"]) == 0
