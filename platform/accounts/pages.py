"""The second step of a staff sign-in: the code, or (first time) enrolling an authenticator app.

Both pages work on the pending sign-in accounts.two_factor.start left in the session: no password
step (or one-time link) within the last minutes, no page (back to /masuk/).
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import two_factor
from accounts.lockout import lockout_response


def _pending(request: HttpRequest, *, enrolled: bool) -> tuple[Any, HttpResponse | None]:
    """The person half-way through signing in, or the answer that sends them elsewhere: back to
    /masuk/ without a pending sign-in, to the other page when `enrolled` is not their case, or the
    lockout."""
    user = two_factor.pending_user(request)
    if user is None:
        return None, redirect("/masuk/")
    if two_factor.has_device(user) != enrolled:
        return user, redirect(two_factor.VERIFY_PATH if not enrolled else two_factor.ENROL_PATH)
    if two_factor.locked_out(request, user):
        return user, lockout_response(request, credentials={"username": user.get_username()})
    return user, None


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The 6-digit code of the authenticator app, or one recovery code."""
    user, elsewhere = _pending(request, enrolled=True)
    if elsewhere is not None:
        return elsewhere
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        device = two_factor.check_code(request, user, request.POST.get("code", ""))
        if device is not None:
            return redirect(two_factor.finish(request, user, device))
        errors = {"code": [_("Kode verifikasi salah atau sudah dipakai. Periksa jam ponsel Anda, lalu coba lagi.")]}
    context = {"nav": "masuk", "errors": errors, "username": user.get_username()}
    return render(request, "accounts/otp_verify.html", context, status=400 if errors else 200)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff member: scan (or type) the secret, confirm one code, keep the recovery codes."""
    user, elsewhere = _pending(request, enrolled=False)
    if elsewhere is not None:
        return elsewhere
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        enrolled = two_factor.enrol_confirm(request, user, request.POST.get("code", ""))
        if enrolled is not None:
            next_url = two_factor.finish(request, user, enrolled.device)
            shown = {"nav": "masuk", "codes": enrolled.recovery_codes, "next": next_url}
            return render(request, "accounts/otp_recovery.html", shown)
        errors = {"code": [_("Kode tidak cocok. Masukkan 6 angka yang sedang tampil di aplikasi autentikator.")]}
    device = two_factor.enrolment_device(user)
    uri = device.config_url
    context: dict[str, Any] = {
        "nav": "masuk",
        "errors": errors,
        "username": user.get_username(),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "otpauth_uri": uri,
        "qr_svg": two_factor.otpauth_qr_svg(uri, _("Kode QR kunci rahasia untuk aplikasi autentikator")),
    }
    return render(request, "accounts/otp_enrol.html", context, status=400 if errors else 200)
