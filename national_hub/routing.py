"""Where the hub sends a referral: named receiver, location, category rules, else triage.

Order: an explicit target the hub knows (a Pemda code, a Peer code or a K/L code); then the
location (kelurahan/kecamatan codes map to their kab/kota; a province-level matter to the
province) when it lies outside the origin; then the routing rules (location rules, then
category rules); anything else goes to the hub triage queue — never nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from national_hub.models import TargetKind
from national_hub.registry.models import Instansi, RoutingRule, RuleKind
from sync.models import Peer
from tenants.models import Pemda, PemdaKind, PemdaStatus


@dataclass(frozen=True)
class Route:
    kind: str  # TargetKind: PEMDA (same database), PEER (HTTP), KL; "" for the triage queue
    code: str


TRIAGE = Route(kind="", code="")


def _pemda_or_peer(code: str) -> Route | None:
    if not code:
        return None
    if Peer.objects.filter(code=code, is_active=True).exists():
        return Route(kind=TargetKind.PEER, code=code)
    if Pemda.objects.filter(code=code, status=PemdaStatus.LIVE).exclude(kind=PemdaKind.HUB).exists():
        return Route(kind=TargetKind.PEMDA, code=code)
    return None


def route_target(code: str) -> Route | None:
    """The receiver a code names, if the hub knows it: an active Peer, a live Pemda or an active K/L."""
    found = _pemda_or_peer(code)
    if found is not None:
        return found
    if code and Instansi.objects.filter(code=code.lower(), is_active=True).exists():
        return Route(kind=TargetKind.KL, code=code.lower())
    return None


def responsible_pemda_code(*, region_code: str, province_level: bool = False) -> str:
    """The Pemda code a Kemendagri region code belongs to: `32.75.01.1001` -> `32.75` (or `32`)."""
    parts = region_code.strip().split(".")
    if not parts[0]:
        return ""
    if province_level or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def route_resolve(
    *, origin: str, target_code: str, category_code: str, region_code: str, province_level: bool = False
) -> Route:
    explicit = route_target(target_code.strip())
    if explicit is not None:
        return explicit
    if region_code:
        for rule in RoutingRule.objects.filter(kind=RuleKind.LOCATION, is_active=True):
            if rule.region_prefix and region_code.startswith(rule.region_prefix):
                found = route_target(rule.target_code)
                if found is not None:
                    return found
        local = responsible_pemda_code(region_code=region_code, province_level=province_level)
        if local and local != origin:
            found = _pemda_or_peer(local)
            if found is not None:
                return found
    if category_code:
        by_category = RoutingRule.objects.filter(
            kind=RuleKind.CATEGORY, category_code=category_code, is_active=True
        ).first()
        if by_category is not None and (found := route_target(by_category.target_code)) is not None:
            return found
        # The registry's own category lists act as default category rules.
        instansi = Instansi.objects.filter(categories__contains=[category_code], is_active=True).order_by("id").first()
        if instansi is not None:
            return Route(kind=TargetKind.KL, code=instansi.code)
    return TRIAGE
