"""The client's address, believing X-Forwarded-For only from the proxies the deployment trusts.

nginx's `$proxy_add_x_forwarded_for` appends the address it saw to whatever the client sent, so
the first hop is the client's to choose. The address is read from the right: REMOTE_ADDR, then
each forwarded hop while the one before it is a trusted proxy (settings.LAPOR_TRUSTED_PROXIES);
the first hop not vouched for by a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(meta: dict[str, Any]) -> str:
    remote = str(meta.get("REMOTE_ADDR", "")).strip()
    networks = _networks(tuple(settings.LAPOR_TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return remote[:45]
    hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:45]
    return (hops[0] if hops else remote)[:45]


def request_client_address(request: Any) -> str:
    """The same address for django-axes (AXES_CLIENT_IP_CALLABLE takes the request)."""
    return client_address(request.META)
