"""DRF authentication that, like the middleware, admits only members of the current tenant."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request

from accounts.middleware import apply_tenant_membership


class TenantSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = apply_tenant_membership(request._request, result[0])
        return (user, result[1]) if getattr(user, "is_authenticated", False) else None


class TenantBasicAuthentication(BasicAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = apply_tenant_membership(request._request, result[0])
        return (user, result[1]) if getattr(user, "is_authenticated", False) else None
