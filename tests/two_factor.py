"""Staff sign in through the real second step in tests: an authenticator with a known key.

`otp_enrol` gives a user a confirmed TOTP device whose key the tests know; `otp_code` computes the
code that device accepts now (django_otp.oath.totp, as a phone's app would). `staff_sign_in` goes
through /masuk/ and /masuk/verifikasi/ with a Django test client. A TOTP code is accepted once per
30-second step, and tests sign the same person in more often than that: `otp_code` first moves the
device's record of the last step used back (as if the previous sign-in were half a minute ago).
"""

from __future__ import annotations

import re
import time
from binascii import unhexlify
from typing import Any

from django_otp.oath import totp

# RFC 6238's test secret ("12345678901234567890"), hex as django-otp stores it. Never a real key.
KNOWN_KEY = "3132333435363738393031323334353637383930"


def otp_enrol(user: Any, key: str = KNOWN_KEY) -> Any:
    """The user's confirmed authenticator (a TOTPDevice), made with the known key when they have none."""
    # Imported here: benchmarks import code_for without setting Django up.
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="uji", key=key, confirmed=True)
    return device


def code_for(key: str = KNOWN_KEY, *, at: float | None = None, step: int = 30) -> str:
    """The 6-digit code of this key at this time (now by default), as the phone's app shows it."""
    drift = 0 if at is None else int(at // step) - int(time.time() // step)
    return f"{totp(unhexlify(key), step=step, t0=0, digits=6, drift=drift):06d}"


def otp_code(user: Any) -> str:
    """A code the user's device accepts now (its last used step moved back if this one was used)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = otp_enrol(user)
    now_step = int(time.time() // device.step)
    if device.last_t >= now_step:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=now_step - 1, throttling_failure_count=0)
    return code_for(device.key)


def staff_sign_in(client: Any, username: str, password: str, *, host: str | None = None, next_url: str = "") -> Any:
    """/masuk/ then /masuk/verifikasi/ with the client: the answer of the code step (302 onwards)."""
    extra = {"HTTP_HOST": host} if host else {}
    code = otp_code(username)
    form = {"username": username, "password": password}
    if next_url:
        form["next"] = next_url
    form.update(_csrf(client, "/masuk/", extra))
    first = client.post("/masuk/", form, **extra)
    assert first.status_code == 302 and first["Location"] == "/masuk/verifikasi/", (
        first.status_code,
        first.content[:500],
    )
    second = client.post("/masuk/verifikasi/", {"code": code, **_csrf(client, "/masuk/verifikasi/", extra)}, **extra)
    assert second.status_code == 302, (second.status_code, second.content[:500])
    return second


def signed_in(username: str, host: str, password: str = "") -> Any:
    """A test client of `host` signed in as `username` through both steps (the cast's password by default)."""
    from django.test import Client

    client = Client(HTTP_HOST=host)
    staff_sign_in(client, username, password or f"{username}-pass-123")
    return client


def _csrf(client: Any, path: str, extra: dict[str, str]) -> dict[str, str]:
    # The form's token, as a browser sends it (needed by clients that enforce CSRF checks).
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path, **extra).content.decode())
    return {"csrfmiddlewaretoken": found.group(1)} if found else {}


def enrol_on_page(client: Any, **extra: Any) -> tuple[str, list[str], Any]:
    """A newcomer's enrolment page: read the secret as a phone's app would, confirm its code.

    Returns the key (hex), the recovery codes shown once, and the page that showed them.
    """
    import base64
    from urllib.parse import parse_qs, urlsplit

    page = client.get("/masuk/aktifkan-verifikasi/", **extra)
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    uri = re.search(r"(otpauth://totp/[^<\s]+)", html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    form = {"code": code_for(key), **_csrf(client, "/masuk/aktifkan-verifikasi/", extra)}
    done = client.post("/masuk/aktifkan-verifikasi/", form, **extra)
    assert done.status_code == 200, (done.status_code, done.content[:500])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    return key, codes, done
