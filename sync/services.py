"""Referrals across parties: the origin's outbox hooks, the hub's routing, and each receiver's apply.

Parties: the hub ("hub", public schema), each Pemda by Kemendagri code (its schema), K/L by
registry code. A referral has one key at every party. The receiver works it as a local report
with the usual lifecycle; every change of that report becomes one `referral.update` carrying the
whole state (status + thread), so a late or reordered update is harmless: each end applies only
versions newer than the last it applied.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.access import reporter_token_hash
from complaints.audit import Actor, audit_record
from complaints.crypto import decrypt, encrypt
from complaints.errors import InvalidTransition
from complaints.models import AuthorKind, Category, FollowUp, Privacy, Referral, Report, Status
from complaints.notifications import notify_reporter
from complaints.selectors import tenant_calendar
from complaints.tracking import tracking_id_new
from deadlines.models import DeadlineKind
from deadlines.services import deadline_clear, deadline_set
from registry.models import Instansi
from sync.models import HUB, HubReferral, HubStatus, LinkRole, OutboxMessage, OutboxStatus, ReferralLink
from sync.outbox import outbox_write
from sync.routing import TRIAGE, Route, route_resolve
from tenants.context import current_tenant
from tenants.models import Pemda, PemdaKind

logger = logging.getLogger(__name__)

# Receiver report status -> what the hub and the origin are told.
_STATUS_OUT = {
    Status.SUBMITTED: "received",
    Status.DEFERRED: "received",
    Status.DISPOSED: "disposed",
    Status.ANSWERED: "answered",
    Status.CLOSED: "closed",
    Status.REFERRED: "returned",
    Status.ARCHIVED: "returned",
    Status.MERGED: "disposed",
}
_HUB_STATUS = {
    "received": HubStatus.ACCEPTED,
    "accepted": HubStatus.ACCEPTED,
    "disposed": HubStatus.ACCEPTED,
    "answered": HubStatus.ANSWERED,
    "closed": HubStatus.CLOSED,
}
FALLBACK_CATEGORY = "pelayanan-publik"


def sync_self_code() -> str:
    """How this deployment's hub names itself to peers (the hub party is always "hub" locally)."""
    return str(settings.LAPOR_SYNC_NAME)


def current_party() -> str:
    """The sync party this code runs as: the current tenant's code (the hub's at the public schema)."""
    return str(current_tenant().code)


# --- origin side (called from complaints services, in their transaction) -------------------------


def report_snapshot(report: Report) -> dict[str, Any]:
    """What travels with a referral. An anonim reporter's identity never leaves the origin."""
    snapshot: dict[str, Any] = {
        "tracking_id": report.tracking_id,
        "type": report.type,
        "category": report.category.code,
        "category_name": report.category.name,
        "title": report.title,
        "text": report.text,
        "privacy": report.privacy,
        "language": report.language,
        "submitted_at": report.submitted_at.isoformat(),
        "location": {
            "address": report.address,
            "kecamatan": report.kecamatan,
            "kelurahan": report.kelurahan,
            "region_code": report.region_code,
            "latitude": str(report.latitude) if report.latitude is not None else None,
            "longitude": str(report.longitude) if report.longitude is not None else None,
        },
    }
    if not Privacy.is_anonymous(report.privacy):
        # NIK stays home even for named reporters: the receiver needs a way to answer, not an ID number.
        snapshot["reporter"] = {
            "name": decrypt(report.reporter_name),
            "phone": decrypt(report.reporter_phone),
            "email": decrypt(report.reporter_email),
        }
    return snapshot


def sync_referral_created(*, referral: Referral) -> None:
    """Origin hook of report_refer: the referral leaves through the outbox, in the same transaction.

    A report that is itself a received referral is not referred on from here: its "bukan
    wewenang" goes back to the hub as a return (see sync_report_changed), which re-routes it.
    """
    report = referral.report
    party = current_party()
    if ReferralLink.objects.filter(party=party, report_id=report.pk, role=LinkRole.RECEIVER).exists():
        return
    key = f"{sync_self_code()}/{party}/{referral.pk}"
    # A Pemda running its own deployment refers through the national hub (LAPOR_SYNC_UPSTREAM),
    # which routes it and answers back to this deployment.
    via = str(settings.LAPOR_SYNC_UPSTREAM) or HUB
    ReferralLink.objects.create(
        referral_key=key,
        party=party,
        role=LinkRole.ORIGIN,
        report_id=report.pk,
        tracking_id=report.tracking_id,
        reply_to=via,
    )
    outbox_write(
        sender=party,
        recipient=via,
        to_party=HUB,
        kind="referral.create",
        referral_key=key,
        version=1,
        body={
            "origin_party": party,
            "origin_name": current_tenant().name,
            "reason": referral.reason,
            "target_code": referral.target_code,
            "target_hint": referral.target_hint,
            "report": report_snapshot(report),
        },
    )


def sync_report_changed(*, report: Report) -> None:
    """Hook of every report change: a receiver's new state goes back towards the origin; at the
    origin, the reporter's replies go on to whoever works the referral."""
    link = ReferralLink.objects.filter(party=current_party(), report_id=report.pk).first()
    if link is None:
        return
    if link.role == LinkRole.ORIGIN:
        _origin_reporter_replied(report, link)
        return
    status = _STATUS_OUT.get(Status(report.status), "received")
    body: dict[str, Any] = {
        "status": status,
        "receiver_name": current_tenant().name,
        "followups": [
            {
                "id": f"{link.party}:{f.pk}",
                "text": f.text,
                "is_final": f.is_final,
                "created_at": f.created_at.isoformat(),
            }
            for f in FollowUp.objects.filter(report_id=report.pk, author_kind=AuthorKind.OFFICER).order_by("id")
        ],
    }
    if report.status == Status.REFERRED:
        onward = Referral.objects.filter(report_id=report.pk).order_by("-id").first()
        body["reason"] = onward.reason if onward else ""
        body["suggested_target"] = onward.target_code if onward else ""
    elif report.status == Status.ARCHIVED:
        body["reason"] = report.archive_reason
    # Several changes in one transaction (verify + dispose) or in a burst supersede the update
    # nobody has received yet. A row being delivered is locked, so this waits, then finds it
    # delivered and writes a new one.
    superseded = OutboxMessage.objects.filter(
        sender=link.party, referral_key=link.referral_key, kind="referral.update", status=OutboxStatus.PENDING
    ).update(version=report.version, body=body)
    if superseded:
        return
    outbox_write(
        sender=link.party,
        recipient=link.reply_to,
        to_party=HUB,
        kind="referral.update",
        referral_key=link.referral_key,
        version=report.version,
        body=body,
    )


def _origin_reporter_replied(report: Report, link: ReferralLink) -> None:
    """The citizen replied at the origin (or disputed the receiver's answer): forward it.

    complaints' reporter_reply reopens an answered report locally; the work is elsewhere, so
    the origin report goes back to "referred" without a local clock, and the receiver reopens
    its own copy when the reply arrives.
    """
    if report.status == Status.DISPOSED:
        Report.objects.filter(pk=report.pk).update(status=Status.REFERRED)
        report.status = Status.REFERRED
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.RESPONSE])
    forwarded = set(link.mirrored_followups)
    replies = [
        {"id": f"{link.party}:r{f.pk}", "text": f.text, "created_at": f.created_at.isoformat()}
        for f in FollowUp.objects.filter(report_id=report.pk, author_kind=AuthorKind.REPORTER).order_by("id")
    ]
    new = [r for r in replies if r["id"] not in forwarded]
    if not new:
        return
    link.mirrored_followups = [*link.mirrored_followups, *[r["id"] for r in new]]
    link.save(update_fields=["mirrored_followups"])
    outbox_write(
        sender=link.party,
        recipient=link.reply_to,
        to_party=HUB,
        kind="referral.reply",
        referral_key=link.referral_key,
        version=report.version,
        body={"replies": replies},
    )


# --- hub side ------------------------------------------------------------------------------------


def route_name(route: Route) -> str:
    """The name a citizen reads for where a referral went: the K/L, the Pemda, or the hub's triage."""
    if route.kind == "kl":
        instansi = Instansi.objects.filter(code=route.code).first()
        return instansi.name if instansi else route.code
    if route.kind in ("pemda", "peer"):
        pemda = Pemda.objects.filter(code=route.code).first()
        return pemda.name if pemda else route.code
    return str(_("antrean triase hub nasional"))


def _hub_assign(hub_ref: HubReferral, route: Route, now: Any) -> None:
    hub_ref.target_code = route.code
    hub_ref.target_kind = route.kind
    hub_ref.receiver_version = 0
    if route == TRIAGE:
        hub_ref.status = HubStatus.TRIAGE
        hub_ref.triage_due_at = now + timedelta(hours=settings.LAPOR_HUB_TRIAGE_HOURS)
        return
    hub_ref.status = HubStatus.ROUTED
    hub_ref.triage_due_at = None
    if route.kind in ("pemda", "peer"):
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


def _hub_tell_origin(hub_ref: HubReferral, *, status: str, reason: str = "", receiver_name: str = "") -> None:
    hub_ref.version += 1
    hub_ref.updated_at = timezone.now()
    hub_ref.save()
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
    return outcome


def hub_referral_prepare(
    *,
    message: dict[str, Any],
    sender: str,
    route_of: Callable[..., Route] = route_resolve,
    name_of: Callable[[Route], str] = route_name,
) -> tuple[HubReferral, str]:
    """The hub's record of a new referral, routed, unsaved; its messages (delivery, the origin's
    "routed") are written to the outbox. The sweeper's batch apply passes memoized lookups."""
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
    _hub_assign(hub_ref, route, now)
    # Version 1 is the origin's first news of it: where it went (or that it waits in triage).
    hub_origin_update_write(hub_ref, status="routed" if route != TRIAGE else "triage", receiver_name=name_of(route))
    return hub_ref, "routed" if route != TRIAGE else "triage"


def hub_update_receive(*, message: dict[str, Any], sender: str) -> str:
    """An update from the receiver: ignored when stale or from a former receiver, else forwarded."""
    hub_ref = HubReferral.objects.select_for_update().filter(referral_key=message["referral"]).first()
    if hub_ref is None:
        return "unknown_referral"
    if sender != hub_ref.target_code:
        return "not_current_receiver"
    if message["version"] <= hub_ref.receiver_version:
        return "stale"
    body = message["body"]
    hub_ref.receiver_version = message["version"]
    return _hub_apply_status(
        hub_ref,
        status=str(body.get("status", "")),
        reason=str(body.get("reason", "")),
        followups=body.get("followups") or [],
        suggested_target=str(body.get("suggested_target", "")),
        receiver_name=str(body.get("receiver_name", "")) or route_name(Route(hub_ref.target_kind, hub_ref.target_code)),
    )


def _hub_apply_status(
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
        _hub_assign(hub_ref, route, now)
        _hub_tell_origin(hub_ref, status="returned", reason=reason, receiver_name=route_name(route))
        return "returned"
    if status not in _HUB_STATUS:
        return "unknown_status"
    hub_ref.status = _HUB_STATUS[status]
    hub_ref.followups = followups
    _hub_tell_origin(hub_ref, status=status, receiver_name=receiver_name)
    return status


@transaction.atomic
def hub_referral_route(*, hub_ref: HubReferral, target_code: str) -> HubReferral:
    """A hub operator routes a referral out of triage (or elsewhere) by hand."""
    hub_ref = HubReferral.objects.select_for_update().get(pk=hub_ref.pk)
    route = route_resolve(origin=hub_ref.origin_party, target_code=target_code, category_code="", region_code="")
    if route == TRIAGE:
        from django.core.exceptions import ValidationError

        raise ValidationError({"target_code": _("Tujuan %(t)s tidak dikenal hub.") % {"t": target_code}})
    _hub_assign(hub_ref, route, timezone.now())
    _hub_tell_origin(hub_ref, status="routed", receiver_name=route_name(route))
    return hub_ref


@transaction.atomic
def hub_referral_act(
    *, hub_ref: HubReferral, action: str, text: str = "", final: bool = False, actor_label: str = ""
) -> HubReferral:
    """A K/L officer in the hub console: accept, answer (follow-up, final or not) or return."""
    hub_ref = HubReferral.objects.select_for_update().get(pk=hub_ref.pk)
    if hub_ref.target_kind != "kl" or hub_ref.status in (HubStatus.TRIAGE, HubStatus.CLOSED):
        raise InvalidTransition(_("Rujukan ini tidak sedang ditangani K/L di konsol hub."))
    name = route_name(Route("kl", hub_ref.target_code))
    if action == "accept":
        _hub_apply_status(
            hub_ref, status="accepted", reason="", followups=hub_ref.followups, suggested_target="", receiver_name=name
        )
    elif action == "followup":
        if not text.strip():
            from django.core.exceptions import ValidationError

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
        _hub_apply_status(
            hub_ref,
            status="answered" if final else "disposed",
            reason="",
            followups=followups,
            suggested_target="",
            receiver_name=name,
        )
    elif action == "return":
        if not text.strip():
            from django.core.exceptions import ValidationError

            raise ValidationError({"reason": _("Alasan pengembalian wajib diisi.")})
        _hub_apply_status(hub_ref, status="returned", reason=text, followups=[], suggested_target="", receiver_name="")
    else:
        raise InvalidTransition(_("Tindakan tidak dikenal."))
    return hub_ref


def hub_reply_receive(*, message: dict[str, Any], sender: str) -> str:
    """The reporter's replies from the origin: kept at the hub (K/L console) and sent on."""
    hub_ref = HubReferral.objects.select_for_update().filter(referral_key=message["referral"]).first()
    if hub_ref is None:
        return "unknown_referral"
    if sender != hub_ref.origin:
        return "not_from_origin"
    known = {r.get("id") for r in hub_ref.report.get("replies", [])}
    replies = [
        *hub_ref.report.get("replies", []),
        *[r for r in message["body"].get("replies") or [] if r.get("id") not in known],
    ]
    hub_ref.report = {**hub_ref.report, "replies": replies}
    hub_ref.updated_at = timezone.now()
    hub_ref.save(update_fields=["report", "updated_at"])
    if hub_ref.target_kind in ("pemda", "peer"):
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


def referral_reply_apply(*, message: dict[str, Any], sender: str) -> str:
    """At the receiver: the reporter's reply joins the local thread, as if written here."""
    from complaints.services import reporter_reply

    link = (
        ReferralLink.objects.select_for_update()
        .filter(referral_key=message["referral"], party=current_party(), role=LinkRole.RECEIVER)
        .first()
    )
    if link is None:
        return "unknown_referral"
    new = [r for r in message["body"].get("replies") or [] if str(r.get("id")) not in link.mirrored_followups]
    if not new:
        return "stale"
    link.mirrored_followups = [*link.mirrored_followups, *[str(r.get("id")) for r in new]]
    link.save(update_fields=["mirrored_followups"])
    report = Report.objects.select_for_update().get(pk=link.report_id)
    for reply in new:
        text = str(reply.get("text", ""))
        try:
            # The same service as a local reply: resumes a tunda, reopens an answered report.
            reporter_reply(report=report, text=text)
        except InvalidTransition:
            # Closed, archived or returned here: the reply still joins the thread.
            FollowUp.objects.create(
                report=report, author_kind=AuthorKind.REPORTER, text=text, created_at=timezone.now()
            )
    return "applied"


def kl_update_receive(*, message: dict[str, Any], sender: str) -> str:
    """A K/L's own system posts a status update through the API (same shape as a Pemda's)."""
    return hub_update_receive(message=message, sender=sender)


# --- receiver / origin side (run in the party's schema) -------------------------------------------


def category_for_code(code: str) -> Category:
    """The receiving Pemda's category for an arriving referral: the same code, else its fallback."""
    found = Category.objects.filter(code=code, is_active=True).first()
    if found is None:
        found = (
            Category.objects.filter(code=FALLBACK_CATEGORY).first() or Category.objects.filter(is_active=True).first()
        )
    if found is None:
        raise InvalidTransition(_("Pemda penerima belum punya kategori."))
    return found


def referral_deliver_apply(*, message: dict[str, Any], sender: str) -> str:
    """A referral arrives at its receiving Pemda: it becomes a local report awaiting verification."""
    earlier = ReferralLink.objects.filter(referral_key=message["referral"], party=current_party()).first()
    if earlier is not None:
        return referral_deliver_reopen(earlier, sender=sender)
    tracking_id = str((message["body"].get("report") or {}).get("tracking_id", ""))
    received = referral_received_build(
        message=message,
        sender=sender,
        tracking_taken=bool(tracking_id) and Report.objects.filter(tracking_id=tracking_id).exists(),
        category=category_for_code(str((message["body"].get("report") or {}).get("category", ""))),
        now=timezone.now(),
    )
    received.report.save(force_insert=True)
    assert received.report.verify_due_at is not None
    deadline_set(report_id=received.report.pk, kind=DeadlineKind.VERIFY, due_at=received.report.verify_due_at)
    received.link.report_id = received.report.pk
    received.link.save(force_insert=True)
    audit_record(actor=Actor.system(), action="referral_received", report_id=received.report.pk, data=received.audit)
    return "created"


@dataclass
class ReceivedReferral:
    """What a delivered referral becomes at its receiver, unsaved (the link gets the report's id)."""

    report: Report
    link: ReferralLink
    audit: dict[str, Any]


def referral_received_build(
    *, message: dict[str, Any], sender: str, tracking_taken: bool, category: Category, now: datetime
) -> ReceivedReferral:
    """The local report and link of a delivered referral. The citizen keeps the tracking ID unless
    it is `tracking_taken` here; privacy travels with it."""
    party = current_party()
    snap = message["body"].get("report") or {}
    location = snap.get("location") or {}
    reporter = snap.get("reporter") or {}
    privacy = str(snap.get("privacy")) if snap.get("privacy") in Privacy.values else str(Privacy.ANONIM_RAHASIA)
    if Privacy.is_anonymous(privacy):
        reporter = {}  # defence in depth: never store what an anonim origin should not have sent
    tracking_id = str(snap.get("tracking_id", ""))
    if not tracking_id or tracking_taken:
        tracking_id = tracking_id_new()
    report = Report(
        tracking_id=tracking_id,
        type=snap.get("type") or "pengaduan",
        category=category,
        original_category=category,
        title=str(snap.get("title", ""))[:200] or "-",
        original_title=str(snap.get("title", ""))[:200] or "-",
        text=str(snap.get("text", "")),
        privacy=privacy,
        channel="api",
        language=str(snap.get("language", "id"))[:2],
        address=str(location.get("address") or "")[:300],
        kecamatan=str(location.get("kecamatan") or "")[:100],
        kelurahan=str(location.get("kelurahan") or "")[:100],
        region_code=str(location.get("region_code") or "")[:13],
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        reporter_name=encrypt(str(reporter.get("name", ""))),
        reporter_phone=encrypt(str(reporter.get("phone", ""))),
        reporter_email=encrypt(str(reporter.get("email", ""))),
        reporter_nik=encrypt(""),
        # The citizen follows the report at the origin; nobody holds a token for this copy.
        reporter_token_hash=reporter_token_hash(secrets.token_urlsafe(24)),
        submitted_at=now,
        verify_due_at=tenant_calendar().due_at(now, 3),
    )
    link = ReferralLink(
        referral_key=message["referral"],
        party=party,
        role=LinkRole.RECEIVER,
        tracking_id=report.tracking_id,
        reply_to=sender if sender != party else HUB,
        applied_version=message["version"],
    )
    audit = {"referral": message["referral"], "from": message["body"].get("origin_name", "")}
    return ReceivedReferral(report=report, link=link, audit=audit)


def referral_deliver_reopen(link: ReferralLink, *, sender: str) -> str:
    """The hub routes a referral back to a Pemda that had returned it: it is open here again.

    (A repeat of the same delivery never gets here: the inbox answers it as a duplicate.)
    """
    report = Report.objects.select_for_update().get(pk=link.report_id)
    if report.status not in (Status.ARCHIVED, Status.REFERRED):
        return "duplicate"
    now = timezone.now()
    report.status = Status.SUBMITTED
    report.archive_reason = ""
    report.closed_at = None
    report.verify_due_at = tenant_calendar().due_at(now, 3)
    report.version += 1
    report.save(update_fields=["status", "archive_reason", "closed_at", "verify_due_at", "version"])
    deadline_set(report_id=report.pk, kind=DeadlineKind.VERIFY, due_at=report.verify_due_at)
    link.reply_to = sender if sender != link.party else HUB
    link.save(update_fields=["reply_to"])
    audit_record(actor=Actor.system(), action="referral_received", report_id=report.pk, data={"again": True})
    return "reopened"


_ORIGIN_STATUS = {"answered": Status.ANSWERED, "closed": Status.CLOSED}


def origin_update_apply(*, message: dict[str, Any], sender: str) -> str:
    """The referral's progress reaches the origin: the citizen's one timeline under one tracking ID."""
    link = (
        ReferralLink.objects.select_for_update()
        .filter(referral_key=message["referral"], party=current_party(), role=LinkRole.ORIGIN)
        .first()
    )
    refused = origin_update_refusal(link, message=message, sender=sender)
    if refused:
        return refused
    assert link is not None
    report = Report.objects.select_for_update().get(pk=link.report_id)
    change = origin_update_plan(link, report, message=message, now=timezone.now())
    FollowUp.objects.bulk_create(change.followups)
    if change.clear_autoclose:
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.AUTOCLOSE])
    report.save(update_fields=change.report_fields)
    link.save(update_fields=["applied_version", "mirrored_followups"])
    audit_record(actor=Actor.system(), action="referral_update", report_id=report.pk, data=change.audit)
    origin_update_notify(report, change)
    return change.outcome


def origin_update_refusal(link: ReferralLink | None, *, message: dict[str, Any], sender: str) -> str:
    """Why an update is not applied at the origin ("" when it is): unknown, not from the hub, stale."""
    if link is None:
        return "unknown_referral"
    if sender != link.reply_to:
        return "not_from_hub"
    if message["version"] <= link.applied_version:
        return "stale"
    return ""


@dataclass
class OriginChange:
    followups: list[FollowUp]
    report_fields: list[str]
    clear_autoclose: bool
    audit: dict[str, Any]
    outcome: str


def origin_update_plan(link: ReferralLink, report: Report, *, message: dict[str, Any], now: datetime) -> OriginChange:
    """Apply an accepted update to the (locked) link and report in memory; the caller writes them."""
    body = message["body"]
    new_followups = [f for f in body.get("followups") or [] if str(f.get("id")) not in link.mirrored_followups]
    followups = [
        FollowUp(
            report=report,
            author_kind=AuthorKind.OFFICER,
            text=str(item.get("text", "")),
            is_final=bool(item.get("is_final")),
            created_at=now,
        )
        for item in new_followups
    ]
    status = str(body.get("status", ""))
    fields = ["version"]
    clear_autoclose = False
    target = _ORIGIN_STATUS.get(status)
    if target is not None and report.status != target:
        report.status = target
        fields.append("status")
        if target == Status.ANSWERED and report.answered_at is None:
            report.answered_at = now
            fields.append("answered_at")
        if target == Status.CLOSED and report.closed_at is None:
            report.closed_at = now
            fields.append("closed_at")
        # The receiver owns the clocks of the work; the origin keeps none for a referred report.
        clear_autoclose = True
    report.version += 1
    link.applied_version = message["version"]
    link.mirrored_followups = [*link.mirrored_followups, *[str(f.get("id")) for f in new_followups]]
    return OriginChange(
        followups=followups,
        report_fields=fields,
        clear_autoclose=clear_autoclose,
        audit={"status": status, "receiver": body.get("receiver_name", ""), "version": message["version"]},
        outcome=status or "applied",
    )


def origin_update_notify(report: Report, change: OriginChange) -> None:
    """The reporter hears of each new follow-up (after the change is written)."""
    for followup in change.followups:
        notify_reporter(report=report, event="answered" if followup.is_final else "followup", extra=followup.text)


@transaction.atomic
def referral_return(*, report: Report, actor: Actor, reason: str) -> Report:
    """The receiving Pemda returns a referral it received (not theirs either), with its reason."""
    if not ReferralLink.objects.filter(party=current_party(), report_id=report.pk, role=LinkRole.RECEIVER).exists():
        raise InvalidTransition(_("Laporan ini bukan rujukan dari instansi lain."))
    if report.status not in (Status.SUBMITTED, Status.DEFERRED):
        raise InvalidTransition(_("Rujukan hanya dapat dikembalikan sebelum diverifikasi."))
    if not reason.strip():
        from django.core.exceptions import ValidationError

        raise ValidationError({"reason": _("Alasan pengembalian wajib diisi.")})
    report.status = Status.ARCHIVED
    report.archive_reason = reason
    report.closed_at = timezone.now()
    deadline_clear(report_id=report.pk)
    audit_record(actor=actor, action="referral_returned", report_id=report.pk, data={"reason": reason})
    report.version += 1
    report.save(update_fields=["status", "archive_reason", "closed_at", "version"])
    sync_report_changed(report=report)
    return report


def hub_triage_escalate(*, now: datetime | None = None) -> int:
    """Alert the hub operators, once per referral, about triage items past their SLA.

    Returns how many items were escalated. The alert is sent while this transaction holds the
    items' rows and before they are marked: a failed send leaves them for the next run, and a
    crash between send and commit repeats one alert at most. The mark stays after the item is
    routed, as the record of the breach.
    """
    from accounts.models import Membership, Role

    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            HubReferral.objects.select_for_update(skip_locked=True)
            .filter(status=HubStatus.TRIAGE, triage_due_at__lt=now, triage_escalated_at__isnull=True)
            .order_by("triage_due_at")
        )
        if not overdue:
            return 0
        recipients = sorted(
            set(
                Membership.objects.filter(role=Role.HUB_OPERATOR, is_active=True, tenant__kind=PemdaKind.HUB)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        lines = [
            f"- {r.tracking_id} {r.title} (dari {r.origin_name or r.origin}; batas triase "
            f"{timezone.localtime(r.triage_due_at).strftime('%d-%m-%Y %H:%M')})"
            for r in overdue
        ]
        if recipients:
            send_mail(
                subject=f"[LAPOR!] {len(overdue)} rujukan di antrean triase melewati batas waktu",
                message="Rujukan berikut belum diarahkan ke instansi mana pun dan sudah melewati batas waktu"
                " triase hub:\n\n" + "\n".join(lines) + "\n\nArahkan melalui konsol hub.",
                from_email=None,
                recipient_list=recipients,
            )
        else:
            logger.error("hub triage: %d items past their SLA and no hub operator to alert", len(overdue))
        HubReferral.objects.filter(pk__in=[r.pk for r in overdue]).update(triage_escalated_at=now)
    logger.warning("hub triage: %d items past their SLA escalated to %d operators", len(overdue), len(recipients))
    return len(overdue)
