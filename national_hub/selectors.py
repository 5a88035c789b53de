"""Reads for the hub console: the triage queue, routed referrals, likely receivers, sync figures.

The console pages (national_hub.console_pages) and the API (national_hub.apis) read through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.seed import DEFAULT_CATEGORIES, NATIONAL_CATEGORIES
from national_hub.models import HubReferral, HubStatus
from national_hub.registry.models import Instansi, RoutingRule, RuleKind
from national_hub.routing import responsible_pemda_code, route_target
from national_hub.triage import triage_counts
from sync.metrics import sync_metrics
from sync.models import OutboxMessage, OutboxStatus, Peer
from sync.parties import HUB
from tenants.models import Pemda, PemdaKind, PemdaStatus

# Rows per console list: operators work the top of each; the API pages through the rest.
TRIAGE_SHOWN = 200
ROUTED_SHOWN = 50
DEAD_LETTERS_SHOWN = 100


def hub_triage_queue(*, limit: int = TRIAGE_SHOWN) -> list[HubReferral]:
    """Referrals waiting in triage, the nearest SLA first (those without one last, oldest first)."""
    return list(
        HubReferral.objects.filter(status=HubStatus.TRIAGE).order_by(
            F("triage_due_at").asc(nulls_last=True), "created_at", "id"
        )[:limit]
    )


def hub_referrals_routed(*, status: str | None = None, limit: int = ROUTED_SHOWN) -> list[HubReferral]:
    """Referrals that have left triage (or never entered it), the most recently changed first."""
    rows = HubReferral.objects.exclude(status=HubStatus.TRIAGE)
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-updated_at", "-id")[:limit])


def party_names(codes: Iterable[str]) -> dict[str, str]:
    """Readable names of party codes: K/L by registry code, Pemda by Kemendagri code, peers, the hub."""
    wanted = {c for c in codes if c}
    names: dict[str, str] = {HUB: str(_("Hub nasional"))} if HUB in wanted else {}
    names.update(dict(Peer.objects.filter(code__in=wanted).values_list("code", "name")))
    names.update(dict(Pemda.objects.filter(code__in=wanted).exclude(kind=PemdaKind.HUB).values_list("code", "name")))
    names.update(dict(Instansi.objects.filter(code__in=wanted).values_list("code", "acronym")))
    return names


@dataclass(frozen=True)
class TargetChoice:
    """A receiver an operator may route to, and why it is offered."""

    code: str
    name: str
    why: str = ""


def hub_route_suggestions(*, hub_ref: HubReferral) -> list[TargetChoice]:
    """Likely receivers of a referral in triage: the Pemda of its location, then the K/L of its category.

    The origin is left out (it referred the report away), and so is any code routing would not
    accept right now (a Pemda not yet live, an inactive K/L).
    """
    found: list[TargetChoice] = []

    def offer(code: str, why: str) -> None:
        route = route_target(code) if code else None
        if route is None or route.code == hub_ref.origin_party or any(c.code == route.code for c in found):
            return
        found.append(TargetChoice(code=route.code, name=party_names([route.code]).get(route.code, route.code), why=why))

    if hub_ref.region_code:
        offer(responsible_pemda_code(region_code=hub_ref.region_code), _("lokasi laporan"))
        offer(responsible_pemda_code(region_code=hub_ref.region_code, province_level=True), _("provinsi lokasi"))
    if hub_ref.category_code:
        for rule in RoutingRule.objects.filter(
            kind=RuleKind.CATEGORY, category_code=hub_ref.category_code, is_active=True
        ):
            offer(rule.target_code, _("aturan rute kategori ini"))
        for instansi in Instansi.objects.filter(categories__contains=[hub_ref.category_code], is_active=True):
            offer(instansi.code, _("menangani kategori ini"))
    return found


def hub_route_choices() -> list[TargetChoice]:
    """Every receiver the hub can route to now: active K/L, live Pemda and active peers."""
    choices = [
        TargetChoice(code=i.code, name=f"{i.acronym} ({i.name})")
        for i in Instansi.objects.filter(is_active=True).order_by("kind", "name")
    ]
    choices += [
        TargetChoice(code=code, name=name)
        for code, name in Pemda.objects.filter(status=PemdaStatus.LIVE)
        .exclude(kind=PemdaKind.HUB)
        .order_by("code")
        .values_list("code", "name")
    ]
    known = {c.code for c in choices}
    choices += [
        TargetChoice(code=code, name=name)
        for code, name in Peer.objects.filter(is_active=True).order_by("code").values_list("code", "name")
        if code not in known
    ]
    return choices


def category_choices() -> list[tuple[str, str, bool]]:
    """(code, name in the page's language, national?) of the categories every Pemda offers."""
    english = (get_language() or "").startswith("en")
    return [
        (code, en if english else name, national)
        for national, rows in ((True, NATIONAL_CATEGORIES), (False, DEFAULT_CATEGORIES))
        for code, name, en in rows
    ]


def hub_sync_figures() -> dict[str, Any]:
    """The sync's own figures (backlog, lag, failures, dead letters per peer) and the triage queue."""
    metrics = sync_metrics()
    metrics.update(triage_counts())
    return metrics


def dead_letters(*, limit: int = DEAD_LETTERS_SHOWN) -> tuple[list[OutboxMessage], int]:
    """The newest dead letters (undeliverable messages) and how many there are in all."""
    rows = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    return list(rows.order_by("-created_at")[:limit]), rows.count()


def dead_letter_ids(*, limit: int) -> list[str]:
    """The oldest dead letters' ids, for "replay all" in batches the replay service takes."""
    return [
        str(i)
        for i in OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    ]
