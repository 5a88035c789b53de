"""Tenant selection per request, through the cached host lookup."""

from __future__ import annotations

from typing import Any

from django_tenants.middleware.main import TenantMainMiddleware

from tenants import hostcache
from tenants.models import PemdaStatus


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with the domain lookup served from tenants.hostcache.

    An unknown host gets the 404 page of tenants.views.unknown_host: never the hub, never a 500.
    """

    def get_tenant(self, domain_model: Any, hostname: str) -> Any:
        tenant = hostcache.tenant_for_host(hostname)
        # A Pemda still being provisioned has no complete schema yet: it does not serve.
        if tenant is None or tenant.status == PemdaStatus.PROVISIONING:
            raise domain_model.DoesNotExist(hostname)
        return tenant
