"""What every page's layout needs: whose site this is and who is looking at it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    memberships = list(getattr(request, "memberships", None) or [])
    return {
        "site_tenant": tenant,
        "site_is_hub": bool(tenant is not None and tenant.is_hub),
        "site_name": tenant.name if tenant is not None else "LAPOR!",
        "site_staff": bool(memberships) and request.user.is_authenticated,
        "site_admin": any(m.role == "tenant_admin" for m in memberships),
        "site_reader": any(m.role in ("pimpinan", "tenant_admin", "auditor") for m in memberships),
    }
