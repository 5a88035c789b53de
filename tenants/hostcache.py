"""Host -> tenant lookup with a cache in front of django-tenants' one-query-per-request lookup.

The cache lives in the `tenancy` cache alias (Redis in production, so every process sees an
invalidation at once; per-process memory locally, bounded by TENANT_HOST_CACHE_SECONDS).
Entries are dropped by tenants.signals whenever a Domain or Pemda row changes. Unknown hosts
are cached too (briefly), so a scan of random hosts cannot turn into a query per request.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django_tenants.utils import get_public_schema_name, schema_context

from lapor.localcache import local_forget, local_get
from tenants.models import Domain, Pemda, PemdaStatus

_MISSING = "__unknown_host__"
_NEGATIVE_TTL = 10


def _key(hostname: str) -> str:
    return f"host:{hostname}"


def tenant_for_host(hostname: str) -> Pemda | None:
    return local_get(
        _key(hostname),
        lambda: _tenant_for_host(hostname),
        keep=lambda tenant: tenant is None or tenant.status != PemdaStatus.PROVISIONING,
    )


def _tenant_for_host(hostname: str) -> Pemda | None:
    cache = caches["tenancy"]
    cached = cache.get(_key(hostname))
    if cached == _MISSING:
        return None
    if isinstance(cached, Pemda):
        return cached
    # Domain and Pemda live in public; the connection may still point at the last request's tenant.
    with schema_context(get_public_schema_name()):
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        cache.set(_key(hostname), _MISSING, _NEGATIVE_TTL)
        return None
    # A Pemda being provisioned turns live within seconds: do not keep serving its 404 from cache.
    if domain.tenant.status != PemdaStatus.PROVISIONING:
        cache.set(_key(hostname), domain.tenant, settings.TENANT_HOST_CACHE_SECONDS)
    return domain.tenant


def forget_host(hostname: str) -> None:
    local_forget(_key(hostname))
    caches["tenancy"].delete(_key(hostname))


def forget_tenant(tenant_id: int) -> None:
    hosts = Domain.objects.filter(tenant_id=tenant_id).values_list("domain", flat=True)
    for host in hosts:
        local_forget(_key(host))
    caches["tenancy"].delete_many([_key(h) for h in hosts])
