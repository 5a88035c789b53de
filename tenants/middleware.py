"""Tenant selection per request, through the cached host lookup; archived Pemda are read-only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from tenants import hostcache
from tenants.models import PemdaStatus

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with the domain lookup served from tenants.hostcache.

    An unknown host gets the 404 page of tenants.views.unknown_host: never the hub, never a 500.
    An archived Pemda still shows its pages, but refuses every write with 403 before any view runs.
    """

    def get_tenant(self, domain_model: Any, hostname: str) -> Any:
        tenant = hostcache.tenant_for_host(hostname)
        # A Pemda still being provisioned has no complete schema yet: it does not serve.
        if tenant is None or tenant.status == PemdaStatus.PROVISIONING:
            raise domain_model.DoesNotExist(hostname)
        return tenant

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        timezone.deactivate()
        response = super().process_request(request)
        if response is not None:
            return response  # type: ignore[no-any-return]
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            # Dates in pages and API answers read in the Pemda's own zone (WIB, WITA or WIT).
            timezone.activate(ZoneInfo(tenant.timezone))
        if tenant is not None and tenant.status == PemdaStatus.ARCHIVED and request.method not in _SAFE_METHODS:
            body = render_to_string("tenants/archived.html", {"pemda": tenant})
            return HttpResponse(body, status=403)
        return None
