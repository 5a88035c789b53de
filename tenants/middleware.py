"""Tenant selection per request, through the cached host lookup; archived Pemda are read-only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from tenants import hostcache
from tenants.context import use_public_schema, use_tenant
from tenants.models import PemdaStatus

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with the domain lookup served from tenants.hostcache.

    An unknown host gets the 404 page of tenants.views.unknown_host: never the hub, never a 500.
    An archived Pemda still shows its pages, but refuses every write with 403 before any view runs.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        """django-tenants' steps, with the connection pointed at the tenant once instead of twice.

        django-tenants first points the connection at the public schema because its lookup
        reads the Domain table there. Ours is served from memory, and on a miss hostcache reads
        the public schema itself, so the public step only runs when no Pemda serves the host
        (the unknown-host page then renders from public).
        """
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            timezone.deactivate()
            return HttpResponseNotFound()
        tenant = hostcache.tenant_for_host(hostname)
        # A Pemda still being provisioned has no complete schema yet: it does not serve.
        if tenant is None or tenant.status == PemdaStatus.PROVISIONING:
            use_public_schema()
            timezone.deactivate()
            return self.no_tenant_found(request, hostname)  # type: ignore[no-any-return]
        tenant.domain_url = hostname
        request.tenant = tenant  # type: ignore[attr-defined]
        use_tenant(tenant)
        self.setup_url_routing(request)
        # Dates in pages and API answers read in the Pemda's own zone (WIB, WITA or WIT).
        timezone.activate(ZoneInfo(tenant.timezone))
        if tenant.status == PemdaStatus.ARCHIVED and request.method not in _SAFE_METHODS:
            body = render_to_string("tenants/archived.html", {"pemda": tenant})
            return HttpResponse(body, status=403)
        return None
