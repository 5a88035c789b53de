"""Registration and login with a one-time code: by SMS through the channel layer, by e-mail
through Django's mail backend; codes expire, wrong ones lock the code, asking is throttled, and
no answer tells a stranger whether an address has an account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from channels.identity import sender_hash
from channels.models import OutboundMessage, OutboundStatus
from citizens.models import Citizen, CodeFailure, LoginCode
from citizens.services import citizen_housekeeping
from lapor.crypto import decrypt
from tenants.models import Pemda
from tests.citizens.conftest import BUDI_EMAIL, JAKARTA, SITI_E164, SITI_PHONE, App, mail_code, sms_code
from tests.helpers import free_port

pytestmark = pytest.mark.django_db


def test_register_by_phone_with_the_code_sent_through_the_sms_queue(app: App, jakarta: Pemda) -> None:
    asked = app.ask_code(phone=SITI_PHONE, host=JAKARTA)
    assert asked.status_code == 202, asked.content
    assert asked.json()["sent_to"] == "+62812•••••890" and asked.json()["expires_in"] == 600

    # The SMS is queued by the hub's channel layer like every SMS reply: the hub's number, the
    # gateway's sender, sealed recipient, delivery status, in the public schema whatever the host.
    with schema_context("public"):
        (sms,) = OutboundMessage.objects.filter(recipient_hash=sender_hash(SITI_E164))
    assert (sms.provider, sms.address, sms.status) == ("kannel", "1708", OutboundStatus.QUEUED)
    assert decrypt(sms.recipient) == SITI_E164 and SITI_E164 not in sms.recipient
    assert "kode masuk" in sms.text and len(sms.text) <= 160
    with tenant_context(jakarta):
        assert not OutboundMessage.objects.exists()  # not the Pemda's own number

    code = sms_code(SITI_E164)
    signed_in = app.sign_in(phone="+62 812-3456-7890", code=code)  # written another way: the same number
    assert signed_in.status_code == 200, signed_in.content
    body = signed_in.json()
    assert body["created"] is True and body["token"].startswith("lapor_")
    assert body["account"] == {"phone": "+62812•••••890", "email": "", "created_at": body["account"]["created_at"]}

    # Nothing of the number or the code is kept in the clear.
    citizen = Citizen.objects.get()
    assert citizen.phone_hash == sender_hash(SITI_E164) and decrypt(citizen.phone) == SITI_E164
    assert "81234567890" not in citizen.phone + citizen.phone_hash + citizen.user.username
    assert not citizen.user.has_usable_password() and not citizen.user.is_staff
    assert code not in LoginCode.objects.get().code_hash

    assert app.get("/api/v1/citizen/profile/", host=JAKARTA).json()["phone"] == "+62812•••••890"
    # The code is spent: it cannot be used a second time.
    again = app.sign_in(phone=SITI_PHONE, code=code)
    assert again.status_code == 400 and "kedaluwarsa" in again.json()["code"][0]

    # Signing in again later (another phone) finds the same account.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        second = App()
        assert second.ask_code(phone=SITI_PHONE).status_code == 202
        later = second.sign_in(phone=SITI_PHONE, code=sms_code(SITI_E164))
        assert later.status_code == 200 and later.json()["created"] is False
    assert Citizen.objects.count() == 1 and later.json()["token"] != body["token"]


def test_login_by_email_and_the_answer_never_says_whether_an_account_exists(app: App) -> None:
    registered = app.sign_in_by_email()
    assert registered["created"] is True and registered["account"]["email"] == "bu••••••••••@example.id"
    (message,) = mail.outbox
    assert message.to == ["budi.santoso@example.id"] and "Kode masuk" in message.subject
    assert decrypt(Citizen.objects.get().email) == "budi.santoso@example.id"

    # Budi on a new phone, and a stranger's address: the same answer but for the address.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        known = App().ask_code(email=BUDI_EMAIL)
        unknown = App().ask_code(email="belum.terdaftar@example.id")
        assert known.status_code == unknown.status_code == 202
        masked_known, masked_unknown = known.json()["sent_to"], unknown.json()["sent_to"]
        assert known.json()["detail"].replace(masked_known, "…") == unknown.json()["detail"].replace(
            masked_unknown, "…"
        )
        assert set(known.json()) == set(unknown.json()) and known.json()["expires_in"] == unknown.json()["expires_in"]
        assert len(mail.outbox) == 3  # both got a code

        login = App()
        response = login.sign_in(email="budi.santoso@example.id", code=mail_code("budi.santoso@example.id"))
        assert response.status_code == 200 and response.json()["created"] is False
        assert login.get("/api/v1/citizen/profile/").json()["email"] == "bu••••••••••@example.id"
        assert Citizen.objects.count() == 1


def test_wrong_codes_lock_the_code_and_a_new_one_is_needed(app: App) -> None:
    assert app.ask_code(phone=SITI_PHONE).status_code == 202
    right = sms_code(SITI_E164)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [app.sign_in(phone=SITI_PHONE, code=wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert "Sisa percobaan: 4" in answers[0].json()["code"][0]
    assert "tidak berlaku lagi" in answers[4].json()["code"][0]
    # The right code no longer helps: five wrong tries killed it.
    locked = app.sign_in(phone=SITI_PHONE, code=right)
    assert locked.status_code == 400 and "Terlalu banyak percobaan" in locked.json()["code"][0]
    assert not Citizen.objects.exists() and app.token == ""
    assert LoginCode.objects.get().attempts == 5 and CodeFailure.objects.count() == 5

    # A new code (after the minute between codes) works; the old one stays dead.
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert app.ask_code(phone=SITI_PHONE).status_code == 202
        fresh = sms_code(SITI_E164)
        if fresh != right:
            assert app.sign_in(phone=SITI_PHONE, code=right).status_code == 400
        assert app.sign_in(phone=SITI_PHONE, code=fresh).status_code == 200


def test_a_code_expires(app: App) -> None:
    assert app.ask_code(email=BUDI_EMAIL).status_code == 202
    code = mail_code("budi.santoso@example.id")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        late = app.sign_in(email=BUDI_EMAIL, code=code)
    assert late.status_code == 400 and "kedaluwarsa" in late.json()["code"][0]
    assert not Citizen.objects.exists()


def test_asking_for_codes_is_throttled_per_address_and_per_client(app: App, settings: Any) -> None:
    assert app.ask_code(phone=SITI_PHONE).status_code == 202
    too_soon = app.ask_code(phone=SITI_PHONE)
    assert too_soon.status_code == 429 and 0 < int(too_soon["Retry-After"]) <= 60
    assert "Tunggu sebentar" in too_soon.json()["detail"]
    start = timezone.now()
    for minute in range(1, 5):  # five codes an hour per address
        with time_machine.travel(start + timedelta(minutes=minute)):
            assert app.ask_code(phone=SITI_PHONE).status_code == 202
    with time_machine.travel(start + timedelta(minutes=6)):
        hourly = app.ask_code(phone=SITI_PHONE)
        assert hourly.status_code == 429 and "Coba lagi nanti" in hourly.json()["detail"]
    with schema_context("public"):
        assert OutboundMessage.objects.count() == 5  # a refused request sends nothing

    # One client address asking for many addresses is stopped too.
    settings.LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR = 7
    with time_machine.travel(start + timedelta(minutes=7)):
        answers = [App().ask_code(email=f"warga{i}@example.id").status_code for i in range(4)]
    assert answers == [202, 202, 429, 429]
    other_client = App().client.post(
        "/api/v1/citizen/code/", {"email": "warga9@example.id"}, content_type="application/json",
        HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3",
    )  # fmt: skip
    assert other_client.status_code == 202


def test_bad_input_gets_a_clear_400_in_indonesian(app: App) -> None:
    cases = [
        ({}, "non_field_errors", "salah satu"),
        ({"phone": SITI_PHONE, "email": BUDI_EMAIL}, "non_field_errors", "salah satu"),
        ({"phone": "+14155550100"}, "phone", "nomor Indonesia"),
        ({"phone": "0812"}, "phone", "nomor Indonesia"),
        ({"email": "bukan-surel"}, "email", "tidak valid"),
    ]
    for body, field, words in cases:
        response = app.ask_code(**body)
        assert response.status_code == 400, (body, response.content)
        assert words in str(response.json()[field]), (body, response.json())
    bad_code = app.sign_in(phone=SITI_PHONE, code="12ab56")
    assert bad_code.status_code == 400 and "6 angka" in bad_code.json()["code"][0]
    not_json = app.client.post("/api/v1/citizen/code/", "{", content_type="application/json", HTTP_HOST="localhost")
    assert not_json.status_code == 400
    assert not LoginCode.objects.exists() and not mail.outbox
    english = app.client.post(
        "/api/v1/citizen/code/", {"phone": "0812"}, content_type="application/json", HTTP_HOST="localhost",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert english.status_code == 400


def test_a_malformed_token_header_is_a_401_never_a_500(app: App) -> None:
    for header in ("Token", "Token a b", "Token lapor_bukan-token", "Token \xff\xfe"):
        response = app.client.get("/api/v1/me/reports/", HTTP_HOST="localhost", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, (header, response.content)
    assert app.get("/api/v1/me/reports/").status_code == 401  # no token at all


def test_a_mail_server_that_refuses_gets_a_503_and_the_code_is_void(app: App, settings: Any) -> None:
    # A real SMTP backend pointed at a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    refused = app.ask_code(email=BUDI_EMAIL)
    assert refused.status_code == 503 and "belum dapat dikirim" in refused.json()["detail"]
    assert LoginCode.objects.get().expires_at <= timezone.now()


def test_housekeeping_forgets_old_codes_and_expired_tokens(app: App) -> None:
    app.sign_in_by_phone()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        App().ask_code(email=BUDI_EMAIL)
    assert citizen_housekeeping() == {"codes": 0, "failures": 0, "tokens": 0}
    later = citizen_housekeeping(now=timezone.now() + timedelta(days=91))
    assert later == {"codes": 2, "failures": 0, "tokens": 1}
    assert not LoginCode.objects.exists() and Citizen.objects.count() == 1  # the account stays


def test_an_account_holds_a_phone_beside_its_email_after_the_phones_code(app: App) -> None:
    app.sign_in_by_email()
    assert app.ask_code(phone=SITI_PHONE).status_code == 202
    wrong = app.post("/api/v1/citizen/contact/", {"phone": SITI_PHONE, "code": "000000"})
    assert wrong.status_code == 400 and "Kode salah" in wrong.json()["code"][0]
    assert Citizen.objects.get().phone == ""

    added = app.post("/api/v1/citizen/contact/", {"phone": SITI_PHONE, "code": sms_code(SITI_E164)})
    assert added.status_code == 200, added.content
    assert added.json()["email"] == "bu••••••••••@example.id" and added.json()["phone"].startswith("+62812")
    citizen = Citizen.objects.get()
    assert decrypt(citizen.phone) == SITI_E164 and citizen.phone_hash == sender_hash(SITI_E164)

    # The same account now signs in by that phone too.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        by_phone = App()
        by_phone.sign_in_by_phone()
        assert by_phone.get("/api/v1/citizen/profile/").json()["email"] == "bu••••••••••@example.id"
        assert Citizen.objects.count() == 1


def test_an_address_another_account_holds_is_refused_and_nothing_changes(app: App) -> None:
    app.sign_in_by_email()
    other = App()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        other.sign_in_by_phone()
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert app.ask_code(phone=SITI_PHONE).status_code == 202
        taken = app.post("/api/v1/citizen/contact/", {"phone": SITI_PHONE, "code": sms_code(SITI_E164)})
    assert taken.status_code == 400 and "sudah dipakai akun warga lain" in taken.json()["phone"][0]
    assert [decrypt(c.phone) for c in Citizen.objects.order_by("pk")] == ["", SITI_E164]
    assert App().post("/api/v1/citizen/contact/", {"phone": SITI_PHONE, "code": "123456"}).status_code in (401, 403)


def test_a_data_subject_export_includes_the_citizen_account(app: App) -> None:
    import io
    import json

    from django.core.management import call_command

    app.sign_in_by_email()
    out = io.StringIO()
    call_command("subject_export", email="Budi.Santoso@example.id", stdout=out, stderr=io.StringIO())
    (account,) = json.loads(out.getvalue())["accounts"]
    assert account["kind"] == "citizen_account" and account["email"] == "budi.santoso@example.id"
    assert account["phone"] == "" and account["reports"] == [] and account["last_login_at"]
    nobody = io.StringIO()
    call_command("subject_export", phone="081299990000", stdout=nobody, stderr=io.StringIO())
    assert json.loads(nobody.getvalue())["accounts"] == []
