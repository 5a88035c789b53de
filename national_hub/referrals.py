"""The hub's rules for referrals: record, route, forward, re-route on return, and the K/L console.

The hub is one party of the sync (sync carries its messages); what a referral becomes at the hub
is decided here. A referral has one key at every party. Receivers report their whole state
(status + thread) with a per-referral version; the hub applies only newer versions and tells
the origin, so the citizen sees one timeline wherever the work happens.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lapor.errors import InvalidTransition
from national_hub.kl_stats import kl_stats_recount
from national_hub.models import HubReferral, HubStatus, TargetKind
from national_hub.registry.models import Instansi
from national_hub.routing import TRIAGE, Route, route_resolve
from sync.outbox import outbox_write
from sync.parties import HUB
from tenants.models import Pemda

# What a receiver reports -> the hub's status (a return is handled on its own).
_HUB_STATUS = {
    "received": HubStatus.ACCEPTED,
    "accepted": HubStatus.ACCEPTED,
    "disposed": HubStatus.ACCEPTED,
    "answered": HubStatus.ANSWERED,
    "closed": HubStatus.CLOSED,
}
# The hub's status -> what the origin is told when the hub re-states it (reconciliation).
ORIGIN_STATUS = {
    HubStatus.ROUTED: "routed",
    HubStatus.ACCEPTED: "accepted",
    HubStatus.ANSWERED: "answered",
    HubStatus.CLOSED: "closed",
}


def route_name(route: Route) -> str:
    """The name a citizen reads for where a referral went: the K/L, the Pemda, or the hub's triage."""
    if route.kind == TargetKind.KL:
        instansi = Instansi.objects.filter(code=route.code).first()
        return instansi.name if instansi else route.code
    if route.kind in (TargetKind.PEMDA, TargetKind.PEER):
        pemda = Pemda.objects.filter(code=route.code).first()
        return pemda.name if pemda else route.code
    return str(_("antrean triase hub nasional"))


def _assign(hub_ref: HubReferral, route: Route, now: datetime) -> None:
    hub_ref.target_code = route.code
    hub_ref.target_kind = route.kind
    hub_ref.receiver_version = 0
    if route == TRIAGE:
        hub_ref.status = HubStatus.TRIAGE
        hub_ref.triage_due_at = now + timedelta(hours=settings.LAPOR_HUB_TRIAGE_HOURS)
        return
    hub_ref.status = HubStatus.ROUTED
    hub_ref.triage_due_at = None
    hub_ref.routed_at = now
    if route.kind in (TargetKind.PEMDA, TargetKind.PEER):
        # K/L working in the hub console need no message: the referral is already here.
        outbox_write(
            sender=HUB,
            recipient=route.code,
            to_party=route.code,
            kind="referral.deliver",
            referral_key=hub_ref.referral_key,
            version=1,
            body={"report": hub_ref.report, "reason": hub_ref.return_reason or "", "origin_name": hub_ref.origin_name},
        )


def _tell_origin(hub_ref: HubReferral, *, status: str, reason: str = "", receiver_name: str = "") -> None:
    hub_ref.version += 1
    hub_ref.updated_at = timezone.now()
    hub_ref.save()
    kl_stats_recount(hub_ref)
    hub_origin_update_write(hub_ref, status=status, reason=reason, receiver_name=receiver_name)


def hub_origin_update_write(hub_ref: HubReferral, *, status: str, reason: str = "", receiver_name: str = "") -> None:
    """The hub's `referral.update` to the origin at the referral's current version (reconciliation re-sends it)."""
    outbox_write(
        sender=HUB,
        recipient=hub_ref.origin,
        to_party=hub_ref.origin_party,
        kind="referral.update",
        referral_key=hub_ref.referral_key,
        version=hub_ref.version,
        body={
            "status": status,
            "reason": reason,
            "receiver_name": receiver_name,
            "followups": hub_ref.followups,
        },
    )


def hub_referral_receive(*, message: dict[str, Any], sender: str) -> str:
    """A new referral reaches the hub: record it, route it, tell the origin where it went."""
    if HubReferral.objects.filter(referral_key=message["referral"]).exists():
        return "duplicate"
    hub_ref, outcome = hub_referral_prepare(message=message, sender=sender)
    hub_ref.save()
    kl_stats_recount(hub_ref)
    return outcome


def hub_referral_prepare(
    *,
    message: dict[str, Any],
    sender: str,
    route_of: Callable[..., Route] = route_resolve,
    name_of: Callable[[Route], str] = route_name,
) -> tuple[HubReferral, str]:
    """The hub's record of a new referral, routed, unsaved; its messages (delivery, the origin's
    "routed") are written to the outbox. A batch passes memoized lookups."""
    body = message["body"]
    report = body.get("report") or {}
    now = timezone.now()
    hub_ref = HubReferral(
        referral_key=message["referral"],
        origin=sender,
        origin_party=str(body.get("origin_party") or sender),
        origin_name=str(body.get("origin_name", ""))[:200],
        tracking_id=str(report.get("tracking_id", ""))[:12],
        title=str(report.get("title", ""))[:200],
        category_code=str(report.get("category", ""))[:40],
        region_code=str((report.get("location") or {}).get("region_code", ""))[:13],
        report=report,
        created_at=now,
        updated_at=now,
        version=1,
    )
    route = route_of(
        origin=hub_ref.origin_party,
        target_code=str(body.get("target_code", "")),
        category_code=hub_ref.category_code,
        region_code=hub_ref.region_code,
        province_level=bool(body.get("province_level", False)),
    )
    _assign(hub_ref, route, now)
    # Version 1 is the origin's first news of it: where it went (or that it waits in triage).
    hub_origin_update_write(hub_ref, status="routed" if route != TRIAGE else "triage", receiver_name=name_of(route))
    return hub_ref, "routed" if route != TRIAGE else "triage"


def hub_update_receive(*, message: dict[str, Any], sender: str) -> str:
    """An update from the current receiver (national_hub.inbound checked the sender): forwarded
    to the origin unless it is stale."""
    hub_ref = HubReferral.objects.select_for_update().filter(referral_key=message["referral"]).first()
    if hub_ref is None:
        return "unknown_referral"
    if message["version"] <= hub_ref.receiver_version:
        return "stale"
    body = message["body"]
    hub_ref.receiver_version = message["version"]
    return _apply_status(
        hub_ref,
        status=str(body.get("status", "")),
        reason=str(body.get("reason", "")),
        followups=body.get("followups") or [],
        suggested_target=str(body.get("suggested_target", "")),
        receiver_name=str(body.get("receiver_name", "")) or route_name(Route(hub_ref.target_kind, hub_ref.target_code)),
    )


def _apply_status(
    hub_ref: HubReferral,
    *,
    status: str,
    reason: str,
    followups: list[dict[str, Any]],
    suggested_target: str,
    receiver_name: str,
) -> str:
    now = timezone.now()
    if status == "returned":
        # No wrong door: a return is re-routed (to the receiver's suggestion when the hub knows
        # it) or lands in triage; it never goes back to the citizen.
        returned_by = hub_ref.target_code
        hub_ref.return_reason = reason
        route = route_resolve(
            origin=hub_ref.origin_party, target_code=suggested_target, category_code="", region_code=""
        )
        if route.code == returned_by:
            route = TRIAGE
        _assign(hub_ref, route, now)
        _tell_origin(hub_ref, status="returned", reason=reason, receiver_name=route_name(route))
        return "returned"
    if status not in _HUB_STATUS:
        return "unknown_status"
    hub_ref.status = _HUB_STATUS[status]
    hub_ref.followups = followups
    _tell_origin(hub_ref, status=status, receiver_name=receiver_name)
    return status


@transaction.atomic
def hub_referral_route(*, hub_ref: HubReferral, target_code: str, from_triage: bool = False) -> HubReferral:
    """A hub operator routes a referral out of triage (or elsewhere) by hand.

    `from_triage` (the console's form) refuses a referral that left the queue since the page was
    shown, so two operators working one item route it once; the check holds the row's lock.
    """
    hub_ref = HubReferral.objects.select_for_update().get(pk=hub_ref.pk)
    if from_triage and hub_ref.status != HubStatus.TRIAGE:
        raise InvalidTransition(
            _("Rujukan ini sudah tidak di antrean triase: sudah diarahkan ke %(t)s.")
            % {"t": route_name(Route(hub_ref.target_kind, hub_ref.target_code))}
        )
    route = route_resolve(origin=hub_ref.origin_party, target_code=target_code, category_code="", region_code="")
    if route == TRIAGE:
        raise ValidationError({"target_code": _("Tujuan %(t)s tidak dikenal hub.") % {"t": target_code}})
    _assign(hub_ref, route, timezone.now())
    _tell_origin(hub_ref, status="routed", receiver_name=route_name(route))
    return hub_ref


@transaction.atomic
def hub_referral_act(
    *, hub_ref: HubReferral, action: str, text: str = "", final: bool = False, actor_label: str = ""
) -> HubReferral:
    """A K/L officer in the hub console: accept, answer (follow-up, final or not) or return."""
    hub_ref = HubReferral.objects.select_for_update().get(pk=hub_ref.pk)
    if hub_ref.target_kind != TargetKind.KL or hub_ref.status in (HubStatus.TRIAGE, HubStatus.CLOSED):
        raise InvalidTransition(_("Rujukan ini tidak sedang ditangani K/L di konsol hub."))
    name = route_name(Route(TargetKind.KL, hub_ref.target_code))
    if action == "accept":
        _apply_status(
            hub_ref, status="accepted", reason="", followups=hub_ref.followups, suggested_target="", receiver_name=name
        )
    elif action == "followup":
        if not text.strip():
            raise ValidationError({"text": _("Isi tanggapan wajib diisi.")})
        followups = [
            *hub_ref.followups,
            {
                "id": f"{hub_ref.target_code}:{secrets.token_hex(6)}",
                "text": text,
                "is_final": final,
                "created_at": timezone.now().isoformat(),
                "author": actor_label,
            },
        ]
        _apply_status(
            hub_ref,
            status="answered" if final else "disposed",
            reason="",
            followups=followups,
            suggested_target="",
            receiver_name=name,
        )
    elif action == "return":
        if not text.strip():
            raise ValidationError({"reason": _("Alasan pengembalian wajib diisi.")})
        _apply_status(hub_ref, status="returned", reason=text, followups=[], suggested_target="", receiver_name="")
    else:
        raise InvalidTransition(_("Tindakan tidak dikenal."))
    return hub_ref


def hub_reply_receive(*, message: dict[str, Any], sender: str) -> str:
    """The reporter's replies from the origin (national_hub.inbound checked the sender): kept at
    the hub (K/L console) and sent on to whoever works the referral."""
    hub_ref = HubReferral.objects.select_for_update().filter(referral_key=message["referral"]).first()
    if hub_ref is None:
        return "unknown_referral"
    known = {r.get("id") for r in hub_ref.report.get("replies", [])}
    replies = [
        *hub_ref.report.get("replies", []),
        *[r for r in message["body"].get("replies") or [] if r.get("id") not in known],
    ]
    hub_ref.report = {**hub_ref.report, "replies": replies}
    hub_ref.updated_at = timezone.now()
    hub_ref.save(update_fields=["report", "updated_at"])
    if hub_ref.target_kind in (TargetKind.PEMDA, TargetKind.PEER):
        outbox_write(
            sender=HUB,
            recipient=hub_ref.target_code,
            to_party=hub_ref.target_code,
            kind="referral.reply",
            referral_key=hub_ref.referral_key,
            version=message["version"],
            body={"replies": replies},
        )
    return "forwarded"
