"""DRF authentication that, like the middleware, admits only members of the current tenant."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, BasicAuthentication, SessionAuthentication
from rest_framework.request import Request

from accounts import two_factor
from accounts.middleware import apply_tenant_membership


class _MembersOnly(BaseAuthentication):
    """Wraps a DRF scheme: a valid login without a membership here authenticates no one."""

    # None: the session's own second-factor mark decides; True: the scheme checked it itself.
    second_factor: bool | None = None

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)  # type: ignore[safe-super]
        if result is None:
            return None
        user = apply_tenant_membership(request._request, result[0], second_factor=self.second_factor)
        return (user, result[1]) if getattr(user, "is_authenticated", False) else None


class TenantSessionAuthentication(_MembersOnly, SessionAuthentication):
    pass


class TenantBasicAuthentication(_MembersOnly, BasicAuthentication):
    """Username and password on every request: no second factor, so refused for staff while
    two-factor sign-in is required (LAPOR_OTP_REQUIRED), unless LAPOR_API_BASIC_AUTH allows it."""

    second_factor = True  # checked below: past authenticate_credentials, Basic is allowed here

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        # PostgreSQL text cannot hold NUL: a name with one reached the lockout's query and made
        # it fail (a 500, found by tests/trust/test_fuzz_schema.py). No account has such a name.
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed(_("Nama pengguna atau kata sandi tidak sah."))
        user, auth = super().authenticate_credentials(userid, password, request)
        if not settings.LAPOR_API_BASIC_AUTH and two_factor.required_for(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "Petugas tidak dapat memakai autentikasi Basic: masuk lewat /api/v1/auth/login/ "
                    "dengan kata sandi dan kode verifikasi (otp)."
                )
            )
        return user, auth
