"""Two-factor sign-in of staff (TOTP or a recovery code after the password), sessions and passwords.

Each test signs in as an officer would: /masuk/ with the password, then the code of an
authenticator (tests.two_factor computes it from a known key, as the phone's app does).
"""

from __future__ import annotations

import base64
import re
import time
from binascii import unhexlify
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import Membership, Role
from accounts.services import login_link_issue
from tenants.models import Pemda
from tests.two_factor import code_for, otp_code, otp_enrol, staff_sign_in

HOST = "jakarta.localhost"
PASSWORD = "vera-sandi-panjang-123"


@pytest.fixture
def vera(jakarta: Pemda) -> User:
    user = User.objects.create_user("vera-2fa", password=PASSWORD)
    Membership.objects.create(user=user, tenant=jakarta, role=Role.VERIFIKATOR)
    return user


def _password_step(client: Client, username: str = "vera-2fa", password: str = PASSWORD, host: str = HOST) -> Any:
    return client.post("/masuk/", {"username": username, "password": password}, HTTP_HOST=host)


def _code_step(client: Client, code: str, host: str = HOST) -> Any:
    return client.post("/masuk/verifikasi/", {"code": code}, HTTP_HOST=host)


def _enrol(client: Client) -> tuple[str, list[str]]:
    """Go through enrolment as a newcomer: read the secret off the page, confirm a code; (key, recovery codes)."""
    page = client.get("/masuk/aktifkan-verifikasi/", HTTP_HOST=HOST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, drawn on the server
    uri = re.search(r"(otpauth://totp/[^<\s]+)", html).group(1).replace("&amp;", "&")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert re.sub(r"\s", "", re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)) == secret
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    done = client.post("/masuk/aktifkan-verifikasi/", {"code": code_for(key)}, HTTP_HOST=HOST)
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    return key, codes


def test_a_newcomer_cannot_reach_the_console_before_enrolling(vera: User) -> None:
    client = Client()
    first = _password_step(client)
    assert (first.status_code, first["Location"]) == (302, "/masuk/aktifkan-verifikasi/")
    # The right password alone opens nothing: the console and the staff API still see nobody.
    assert client.get("/konsol/antrean/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")
    assert client.get("/api/v1/officer/reports/", HTTP_HOST=HOST).status_code in (401, 403)
    assert client.get("/masuk/verifikasi/", HTTP_HOST=HOST)["Location"] == "/masuk/aktifkan-verifikasi/"

    wrong = client.post("/masuk/aktifkan-verifikasi/", {"code": "000000"}, HTTP_HOST=HOST)
    assert wrong.status_code == 400 and "Kode tidak cocok" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=vera, confirmed=True).exists()

    with time_machine.travel(time.time() + 3, tick=False):  # django-otp's pause after a wrong code
        _key, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/api/v1/officer/reports/", HTTP_HOST=HOST).status_code == 200
    # Shown once: the codes are stored, but no page shows them again.
    assert StaticDevice.objects.get(user=vera).token_set.count() == 10
    again = Client()
    assert _password_step(again)["Location"] == "/masuk/verifikasi/"
    assert client.get("/masuk/aktifkan-verifikasi/", HTTP_HOST=HOST)["Location"] == "/masuk/"


def test_a_wrong_code_is_refused_and_the_right_one_accepted(vera: User) -> None:
    otp_enrol(vera)
    client = Client()
    assert _password_step(client)["Location"] == "/masuk/verifikasi/"
    right = otp_code(vera)
    wrong = _code_step(client, f"{(int(right) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400 and "Kode verifikasi salah" in wrong.content.decode()
    assert client.get("/konsol/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")
    # django-otp slows retries after a failure (1 s, then 2 s, ...): the officer retypes a bit later.
    with time_machine.travel(time.time() + 3, tick=False):
        accepted = _code_step(client, otp_code(vera))
        assert (accepted.status_code, accepted["Location"]) == (302, "/konsol/")
        assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200


def test_a_code_is_not_accepted_twice(vera: User) -> None:
    otp_enrol(vera)
    code = otp_code(vera)
    first, second = Client(), Client()
    assert _password_step(first)["Location"] == "/masuk/verifikasi/"
    assert _code_step(first, code).status_code == 302
    assert _password_step(second)["Location"] == "/masuk/verifikasi/"
    assert _code_step(second, code).status_code == 400  # someone who saw it over the shoulder


def test_a_recovery_code_works_once_only(vera: User) -> None:
    client = Client()
    _password_step(client)
    _key, codes = _enrol(client)
    lost_phone = Client()
    assert _password_step(lost_phone)["Location"] == "/masuk/verifikasi/"
    used = _code_step(lost_phone, codes[3].upper()[:4] + " " + codes[3].upper()[4:])  # as read aloud, spaced
    assert (used.status_code, used["Location"]) == (302, "/konsol/")
    assert lost_phone.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200
    replay = Client()
    _password_step(replay)
    assert _code_step(replay, codes[3]).status_code == 400
    assert StaticDevice.objects.get(user=vera).token_set.count() == 9


def test_wrong_codes_count_toward_the_lockout(vera: User) -> None:
    otp_enrol(vera)
    client = Client()
    _password_step(client)
    answers = [_code_step(client, "12345678").status_code for _ in range(5)]
    assert answers[:4] == [400] * 4 and answers[4] == 429
    locked = _code_step(client, otp_code(vera))
    assert locked.status_code == 429 and "Terlalu banyak percobaan" in locked.content.decode()
    assert client.get("/konsol/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")
    assert _password_step(Client()).status_code == 429  # the password door too


def test_the_api_login_asks_for_the_code(vera: User) -> None:
    def login(language: str = "id", **fields: str) -> Any:
        body = {"username": "vera-2fa", "password": PASSWORD, **fields}
        return Client().post(
            "/api/v1/auth/login/", body, content_type="application/json", HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE=language
        )

    not_enrolled = login(otp="123456")
    assert not_enrolled.status_code == 400 and not_enrolled.json()["code"] == "otp_enrolment_required"
    assert "/masuk/" in not_enrolled.json()["detail"]
    otp_enrol(vera)
    missing = login()
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    assert "kode verifikasi" in missing.json()["otp"][0]
    assert "sessionid" not in missing.cookies
    wrong = login(otp="000000")
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    time.sleep(1.1)  # django-otp's pause after a failure
    client = Client()
    ok = client.post(
        "/api/v1/auth/login/",
        {"username": "vera-2fa", "password": PASSWORD, "otp": otp_code(vera)},
        content_type="application/json",
        HTTP_HOST=HOST,
    )
    assert ok.status_code == 200 and ok.json()["memberships"][0]["role"] == "verifikator"
    assert client.get("/api/v1/officer/reports/", HTTP_HOST=HOST).status_code == 200


def test_basic_credentials_are_refused_for_staff(vera: User, settings: Any) -> None:
    settings.LAPOR_API_BASIC_AUTH = False  # the deployment default (tests/conftest.py allows it)
    basic = "Basic " + base64.b64encode(f"vera-2fa:{PASSWORD}".encode()).decode()
    refused = Client().get("/api/v1/officer/reports/", HTTP_HOST=HOST, HTTP_AUTHORIZATION=basic)
    assert refused.status_code in (401, 403)
    assert "kode verifikasi" in refused.json()["detail"]


def test_a_citizen_signs_in_without_a_second_factor(hub: Pemda, jakarta: Pemda, bekasi: Pemda) -> None:
    from citizens.models import Citizen
    from tests.citizens.conftest import App

    app = App()
    assert app.sign_in_by_phone()["token"]  # the SMS code only, as before two-factor sign-in of staff
    filed = app.file(HOST)
    assert [r["tracking_id"] for r in app.my_reports()] == [filed["tracking_id"]]
    citizen = Citizen.objects.get()
    assert not two_factor.required_for(citizen.user)
    assert not TOTPDevice.objects.filter(user=citizen.user).exists()


def test_the_one_time_link_leads_to_enrolment_then_the_password(jakarta: Pemda) -> None:
    newcomer = User.objects.create(username="admin-baru-2fa")
    newcomer.set_unusable_password()
    newcomer.save()
    Membership.objects.create(user=newcomer, tenant=jakarta, role=Role.TENANT_ADMIN)
    issued = login_link_issue(user=newcomer, tenant=jakarta)
    client = Client()
    opened = client.post(f"/masuk/{issued.token}/", HTTP_HOST=HOST)
    assert (opened.status_code, opened["Location"]) == (302, "/masuk/aktifkan-verifikasi/")
    assert client.get("/konsol/sandi/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")
    page = client.get("/masuk/aktifkan-verifikasi/", HTTP_HOST=HOST).content.decode()
    secret = parse_qs(urlsplit(re.search(r"(otpauth://totp/[^<\s]+)", page).group(1).replace("&amp;", "&")).query)
    key = base64.b32decode(secret["secret"][0] + "=" * (-len(secret["secret"][0]) % 8)).hex()
    done = client.post("/masuk/aktifkan-verifikasi/", {"code": code_for(key)}, HTTP_HOST=HOST)
    assert 'href="/konsol/sandi/"' in done.content.decode()
    assert client.get("/konsol/sandi/", HTTP_HOST=HOST).status_code == 200


def test_one_authenticator_serves_every_pemda_and_the_hub(jakarta: Pemda, bekasi: Pemda, hub: Pemda) -> None:
    person = User.objects.create_user("dua-pemda-2fa", password=PASSWORD)
    Membership.objects.create(user=person, tenant=jakarta, role=Role.VERIFIKATOR)
    Membership.objects.create(user=person, tenant=bekasi, role=Role.PIMPINAN)
    Membership.objects.create(user=person, tenant=hub, role=Role.HUB_OPERATOR)
    device = otp_enrol(person)
    # django-otp's tables are shared: in public, one row per person whatever host asked.
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'otp_totp_totpdevice'")
        assert [row[0] for row in cursor.fetchall()] == ["public"]
    for host in (HOST, "bekasi.localhost", "localhost"):
        client = Client()
        staff_sign_in(client, "dua-pemda-2fa", PASSWORD, host=host)
        console = client.get("/konsol/", HTTP_HOST=host)
        assert console.status_code in (200, 302) and not console.get("Location", "").startswith("/masuk/"), host
    assert TOTPDevice.objects.filter(user=person).count() == 1 and TOTPDevice.objects.get(user=person) == device


def test_the_known_key_helper_matches_django_otp() -> None:
    key = "3132333435363738393031323334353637383930"
    assert code_for(key) == f"{totp(unhexlify(key)):06d}"


# --- sessions ----------------------------------------------------------------------------------------


def test_an_idle_staff_session_ends(vera: User) -> None:
    client = Client()
    start = time.time()
    with time_machine.travel(start, tick=False):
        staff_sign_in(client, "vera-2fa", PASSWORD, host=HOST)
        assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200
    with time_machine.travel(start + 29 * 60, tick=False):
        assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200  # still working
    with time_machine.travel(start + 58 * 60, tick=False):
        assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200  # 29 min after the last
    with time_machine.travel(start + 89 * 60, tick=False):
        ended = client.get("/konsol/antrean/", HTTP_HOST=HOST)
        assert ended["Location"].startswith("/masuk/")


def test_a_staff_session_ends_after_its_lifetime_however_busy(vera: User) -> None:
    client = Client()
    start = time.time()
    with time_machine.travel(start, tick=False):
        staff_sign_in(client, "vera-2fa", PASSWORD, host=HOST)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + minutes * 60, tick=False):
            assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200, minutes
    with time_machine.travel(start + 12 * 3600 + 60, tick=False):
        assert client.get("/konsol/antrean/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")


def test_the_session_cookie_is_http_only_and_lax(vera: User) -> None:
    client = Client()
    staff_sign_in(client, "vera-2fa", PASSWORD, host=HOST)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_password_change_signs_out_every_other_session(vera: User) -> None:
    desk, phone = Client(), Client()
    staff_sign_in(desk, "vera-2fa", PASSWORD, host=HOST)
    staff_sign_in(phone, "vera-2fa", PASSWORD, host=HOST)
    new = "kopi-tubruk-jam-tujuh-pagi"
    changed = desk.post("/konsol/sandi/", {"new_password1": new, "new_password2": new}, HTTP_HOST=HOST)
    assert changed.status_code == 302
    assert desk.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200  # this one stays
    assert phone.get("/konsol/antrean/", HTTP_HOST=HOST)["Location"].startswith("/masuk/")


# --- passwords ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("pendek-12", "terlalu pendek"),  # 9 characters
        ("password1234", "terlalu umum"),
        ("vera-2fa-123", "terlalu mirip"),
        ("a" * 129 + "Zq9!", "terlalu panjang"),
    ],
)
def test_a_weak_password_is_refused_in_plain_indonesian(vera: User, password: str, expected: str) -> None:
    client = Client()
    staff_sign_in(client, "vera-2fa", PASSWORD, host=HOST)
    answer = client.post("/konsol/sandi/", {"new_password1": password, "new_password2": password}, HTTP_HOST=HOST)
    assert answer.status_code == 400
    assert expected in answer.content.decode().lower()
    vera.refresh_from_db()
    assert vera.check_password(PASSWORD)


def test_the_django_admin_asks_for_the_code_too(hub: Pemda) -> None:
    root = User.objects.create_superuser("root-2fa", password=PASSWORD)
    # As make run's admin: a hub operator too (a login with no role on a host is nobody there).
    Membership.objects.create(user=root, tenant=hub, role=Role.HUB_OPERATOR)
    device = otp_enrol(root)
    client = Client(HTTP_HOST="localhost")
    form = client.get("/admin/login/").content.decode()
    assert 'name="otp_token"' in form
    without = client.post("/admin/login/?next=/admin/", {"username": "root-2fa", "password": PASSWORD})
    assert without.status_code == 200  # the form again, now offering the person's devices; not signed in
    assert device.persistent_id in without.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    form = {"username": "root-2fa", "password": PASSWORD, "otp_device": device.persistent_id}
    signed = client.post("/admin/login/?next=/admin/", {**form, "otp_token": otp_code(root)})
    assert (signed.status_code, signed["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_with_two_factor_sign_in_off_the_password_is_enough(vera: User, settings: Any) -> None:
    settings.LAPOR_OTP_REQUIRED = False  # LAPOR_OTP_REQUIRED=0: not for production
    client = Client()
    assert _password_step(client)["Location"] == "/konsol/"
    assert client.get("/konsol/antrean/", HTTP_HOST=HOST).status_code == 200
