"""Two-factor sign-in of staff: a TOTP code (or a single-use recovery code) after the password.

Who: every account with an active membership (a Pemda's officers, pimpinan, auditors and admins,
hub operators, K/L officers) and Django's staff, while `LAPOR_OTP_REQUIRED` is on (the default).
Citizens have no membership and never meet it.

How: a correct password (or a one-time link) does not log in; it leaves a *pending* sign-in in the
session (user, backend, where to go next, when). The second step (`/masuk/verifikasi/`) asks for
the code of the user's authenticator app; a user without a confirmed device is sent to enrolment
(`/masuk/aktifkan-verifikasi/`), which shows the secret and its QR code, confirms one code, and
shows ten recovery codes once. Only then is the session logged in and marked verified
(django_otp.login), and only a verified session is a member anywhere (accounts.middleware).

Devices live in the public schema (django-otp's apps are shared): one authenticator serves a
person's roles in every Pemda and at the hub. A wrong code counts as a failed login for django-axes
(the same username and client address lockout as wrong passwords).

A person who lost their phone and their recovery codes is reset by their Pemda's admin
(`authenticator_reset`, from the console's officers page, confirmed with the admin's own code):
their devices are deleted, every session they had stops being verified, and their next sign-in
enrols a new authenticator. A signed-in person can replace their recovery codes at any time
(`recovery_codes_issue`, from the console's account page, confirmed with a current code).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership

logger = logging.getLogger(__name__)
PENDING_KEY = "lapor_2fa_pending"
# The second step must follow the password within this many seconds.
PENDING_SECONDS = 600
RECOVERY_CODES = 10
TOTP_NAME = "aplikasi autentikator"
RECOVERY_NAME = "kode pemulihan"
VERIFY_PATH = "/masuk/verifikasi/"
ENROL_PATH = "/masuk/aktifkan-verifikasi/"


def required() -> bool:
    return bool(getattr(settings, "LAPOR_OTP_REQUIRED", True))


def required_for(user: Any) -> bool:
    """Must this account pass a second factor? Staff (any active membership, Django staff) only."""
    if not required() or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user_id=user.pk, is_active=True).exists()


def is_verified(user: Any) -> bool:
    """Has this session passed the second factor (OTPMiddleware's mark)?"""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("id").first()


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


# --- the pending sign-in ---------------------------------------------------------------------------


def start(request: HttpRequest, user: Any, *, next_url: str, backend: str | None = None) -> str:
    """After the password (or a one-time link): log in, or leave a pending sign-in; where to go next."""
    backend = backend or getattr(user, "backend", None) or "django.contrib.auth.backends.ModelBackend"
    if not required_for(user):
        login(request, user, backend=backend)
        return next_url
    # A new session key for the pending state too: an id planted before the password is worthless.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "backend": backend, "next": next_url, "at": time.time()}
    return VERIFY_PATH if has_device(user) else ENROL_PATH


def pending_user(request: HttpRequest) -> Any | None:
    """The user whose password was right and whose second step is due, or None (none or too old)."""
    pending = request.session.get(PENDING_KEY) if hasattr(request, "session") else None
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user_id = pending.get("user")
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def pending_next(request: HttpRequest) -> str:
    pending = request.session.get(PENDING_KEY) or {}
    return str(pending.get("next") or "/konsol/")


def finish(request: HttpRequest, user: Any, device: Device) -> str:
    """The second factor passed: log in (a new session key), mark the session verified; where next."""
    pending = request.session.get(PENDING_KEY) or {}
    backend = pending.get("backend") or "django.contrib.auth.backends.ModelBackend"
    next_url = str(pending.get("next") or "/konsol/")
    login(request, user, backend=backend)
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)
    if not user.has_usable_password():
        # A first sign-in through a one-time link chooses a password next.
        return "/konsol/sandi/"
    return next_url


# --- checking a code -------------------------------------------------------------------------------


def _credentials(user: Any) -> dict[str, str]:
    return {"username": user.get_username()}


def locked_out(request: HttpRequest, user: Any) -> bool:
    """Is this username locked out from this client address (wrong passwords and codes together)?"""
    return not AxesProxyHandler.is_allowed(request, _credentials(user))


def normalise(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def check_code(request: HttpRequest, user: Any, code: str) -> Device | None:
    """The device a TOTP or recovery code belongs to (a recovery code is used up), else None.

    A wrong code is a failed login for django-axes: enough of them lock the username out from this
    client address, as wrong passwords do (AxesMiddleware answers with accounts.lockout).
    """
    token = normalise(code)
    # Six digits are the authenticator's; anything else is tried as a recovery code (8 letters and
    # digits). Each kind goes to its own device only, so a mistyped code throttles one of them.
    model: type[Device] = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    device: Device | None = None
    if 6 <= len(token) <= 16 and token.isalnum():
        with transaction.atomic():
            for candidate in model.objects.devices_for_user(user, confirmed=True).select_for_update():
                if candidate.verify_token(token):
                    device = candidate
                    break
    if device is None:
        user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    return device


# --- enrolment -------------------------------------------------------------------------------------


def enrolment_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator (the same secret on every visit until confirmed)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]  # shown once; a recovery code works once


@transaction.atomic
def enrol_confirm(request: HttpRequest, user: Any, code: str) -> Enrolled | None:
    """Confirm the pending authenticator with one of its codes and issue fresh recovery codes."""
    device = enrolment_device(user)
    token = normalise(code)
    if not (token.isdigit() and len(token) == device.digits and device.verify_token(token)):
        user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per account: an older one (lost phone, re-enrolled by an admin) stops working.
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    return Enrolled(device=device, recovery_codes=recovery_codes_issue(user))


@transaction.atomic
def recovery_codes_issue(user: Any) -> list[str]:
    """Ten new single-use recovery codes; the earlier ones stop working. Only the codes' owner sees them."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def enrolled_among(user_ids: list[int]) -> set[int]:
    """Which of these people have a confirmed authenticator."""
    return set(TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list("user_id", flat=True))


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


@transaction.atomic
def authenticator_reset(*, tenant: Any, user_id: int, by: Any) -> Any:
    """A Pemda admin resets a member's lost authenticator: the person's TOTP device and recovery
    codes are deleted, so every session they had is no longer verified (django-otp finds no
    device behind it) and their next sign-in enrols again. Returns the person.

    Only for someone whose every active role is in this Pemda: a device serves all of a person's
    roles, so an admin of one Pemda must not reset the sign-in of someone who also works at
    another or at the hub (the hub's operators do that through the Django admin). Never one's own.
    """
    person = get_user_model().objects.filter(pk=user_id, memberships__tenant=tenant).distinct().first()
    if person is None:
        raise ValidationError({"person": [_("Petugas tidak ditemukan di Pemda ini.")]})
    if person.pk == by.pk:
        raise ValidationError(
            {"person": [_("Autentikator Anda sendiri tidak dapat diatur ulang di sini; minta admin lain.")]}
        )
    elsewhere = Membership.objects.filter(user_id=person.pk, is_active=True).exclude(tenant=tenant).exists()
    if elsewhere or person.is_staff or person.is_superuser:
        raise ValidationError(
            {
                "person": [
                    _("%(name)s juga memegang peran di luar Pemda ini; autentikatornya diatur ulang oleh hub nasional.")
                    % {"name": person.get_username()}
                ]
            }
        )
    removed, _kinds = TOTPDevice.objects.filter(user_id=person.pk).delete()
    StaticDevice.objects.filter(user_id=person.pk).delete()
    logger.warning(
        "authenticator reset",
        extra={"person": person.get_username(), "by": by.get_username(), "devices_removed": removed},
    )
    return person


def otpauth_qr_svg(uri: str, title: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn on the server (no script, no CDN)."""
    import segno

    qr = segno.make(uri, error="m")
    svg: str = qr.svg_inline(scale=4, dark="#000", light="#fff", omitsize=False, title=title, svgclass="qr-code")
    return svg
