"""Who takes part in the sync, as the carrier sees them: names only, no rules about referrals.

Parties: the hub of this deployment ("hub", public schema), each Pemda of this deployment by
Kemendagri code (its schema), and Peers (another deployment or a K/L's own system) by the code
they were given. A deployment names itself to its peers with LAPOR_SYNC_NAME; a Pemda that runs
its own deployment names the national hub it answers to with LAPOR_SYNC_UPSTREAM.
"""

from __future__ import annotations

from django.conf import settings

from sync.models import HUB
from tenants.context import current_tenant
from tenants.models import Pemda, PemdaKind, PemdaStatus

__all__ = ["HUB", "current_party", "hub_parties", "local_pemda", "self_name", "upstream"]


def self_name() -> str:
    """How this deployment's hub names itself to peers (the hub party is always "hub" locally)."""
    return str(settings.LAPOR_SYNC_NAME)


def upstream() -> str:
    """The Peer code of the national hub this deployment's referrals go through ("" when it is the hub)."""
    return str(settings.LAPOR_SYNC_UPSTREAM)


def hub_parties() -> frozenset[str]:
    """Senders that speak for a hub here: this deployment's own hub and, if set, the upstream hub."""
    return frozenset(p for p in (HUB, upstream()) if p)


def current_party() -> str:
    """The party the running code acts as: the current tenant's code (the hub's in public)."""
    return str(current_tenant().code)


def local_pemda(code: str) -> Pemda | None:
    """A live Pemda of this deployment by Kemendagri code (None for the hub, peers and the unknown)."""
    return Pemda.objects.filter(code=code, status=PemdaStatus.LIVE).exclude(kind=PemdaKind.HUB).first()
