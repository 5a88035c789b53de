"""DRF authentication that, like the middleware, admits only members of the current tenant."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, BasicAuthentication, SessionAuthentication
from rest_framework.request import Request

from accounts.middleware import apply_tenant_membership


class _MembersOnly(BaseAuthentication):
    """Wraps a DRF scheme: a valid login without a membership here authenticates no one."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)  # type: ignore[safe-super]
        if result is None:
            return None
        user = apply_tenant_membership(request._request, result[0])
        return (user, result[1]) if getattr(user, "is_authenticated", False) else None


class TenantSessionAuthentication(_MembersOnly, SessionAuthentication):
    pass


class TenantBasicAuthentication(_MembersOnly, BasicAuthentication):
    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        # PostgreSQL text cannot hold NUL: a name with one reached the lockout's query and made
        # it fail (a 500, found by tests/trust/test_fuzz_schema.py). No account has such a name.
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed(_("Nama pengguna atau kata sandi tidak sah."))
        return super().authenticate_credentials(userid, password, request)
