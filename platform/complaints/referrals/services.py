"""What the other end's messages do to this Pemda's reports: a delivered referral, the hub's news
of a referral made here, the reporter's replies, reconciliation probes, and the receiver's return.

One message at a time; complaints.referrals.batch applies the common kinds set-wise with the
same build/plan functions. The handlers that call these, and who may send what, are in
complaints.referrals.inbound.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as lifecycle
from complaints.access import reporter_token_hash
from complaints.audit import Actor, audit_record
from complaints.models import AuthorKind, Category, FollowUp, LinkRole, Privacy, ReferralLink, Report, Status
from complaints.notifications import notify_reporter
from complaints.referrals.outbound import referral_news_send
from complaints.selectors import tenant_calendar
from complaints.tracking import tracking_id_new
from deadlines.models import DeadlineKind
from deadlines.services import deadline_clear, deadline_set
from lapor.crypto import encrypt
from lapor.errors import InvalidTransition
from lapor.lookup import email_hash, phone_hash
from sync.parties import HUB, current_party

# A delivered referral whose category this Pemda does not have is filed under this one.
FALLBACK_CATEGORY = "pelayanan-publik"
_ORIGIN_STATUS = {"answered": Status.ANSWERED, "closed": Status.CLOSED}


def category_for_code(code: str) -> Category:
    """This Pemda's category for an arriving referral: the same code, else its fallback."""
    found = Category.objects.filter(code=code, is_active=True).first()
    if found is None:
        found = (
            Category.objects.filter(code=FALLBACK_CATEGORY).first() or Category.objects.filter(is_active=True).first()
        )
    if found is None:
        raise InvalidTransition(_("Pemda penerima belum punya kategori."))
    return found


# --- a referral delivered here ---------------------------------------------------------------------


def referral_deliver_apply(*, message: dict[str, Any], sender: str) -> str:
    """A referral arrives at this Pemda: it becomes a local report awaiting verification."""
    earlier = ReferralLink.objects.filter(referral_key=message["referral"]).first()
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
    received.link.report = received.report
    received.link.save(force_insert=True)
    audit_record(actor=Actor.system(), action="referral_received", report_id=received.report.pk, data=received.audit)
    return "created"


@dataclass
class ReceivedReferral:
    """What a delivered referral becomes here, unsaved (the link gets the report once it has an id)."""

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
        reporter_phone_hash=phone_hash(str(reporter.get("phone", ""))),
        reporter_email_hash=email_hash(str(reporter.get("email", ""))),
        # The citizen follows the report at the origin; nobody holds a token for this copy.
        reporter_token_hash=reporter_token_hash(secrets.token_urlsafe(24)),
        submitted_at=now,
        verify_due_at=tenant_calendar().due_at(now, lifecycle.VERIFY_DAYS),
    )
    link = ReferralLink(
        referral_key=message["referral"],
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
    report.verify_due_at = tenant_calendar().due_at(now, lifecycle.VERIFY_DAYS)
    # Nothing to tell the hub yet: it has just routed it here, and hears when the work starts.
    lifecycle.report_save(report, "status", "archive_reason", "closed_at", "verify_due_at", tell_peers=False)
    deadline_set(report_id=report.pk, kind=DeadlineKind.VERIFY, due_at=report.verify_due_at)
    link.reply_to = sender if sender != current_party() else HUB
    link.save(update_fields=["reply_to"])
    audit_record(actor=Actor.system(), action="referral_received", report_id=report.pk, data={"again": True})
    return "reopened"


@transaction.atomic
def referral_return(*, report: Report, actor: Actor, reason: str) -> Report:
    """The receiving Pemda returns a referral it received (not theirs either), with its reason."""
    if not ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.RECEIVER).exists():
        raise InvalidTransition(_("Laporan ini bukan rujukan dari instansi lain."))
    if report.status not in (Status.SUBMITTED, Status.DEFERRED):
        raise InvalidTransition(_("Rujukan hanya dapat dikembalikan sebelum diverifikasi."))
    if not reason.strip():
        raise ValidationError({"reason": _("Alasan pengembalian wajib diisi.")})
    report.status = Status.ARCHIVED
    report.archive_reason = reason
    report.closed_at = timezone.now()
    deadline_clear(report_id=report.pk)
    audit_record(actor=actor, action="referral_returned", report_id=report.pk, data={"reason": reason})
    lifecycle.report_save(report, "status", "archive_reason", "closed_at")
    return report


def referral_reply_apply(*, message: dict[str, Any], sender: str) -> str:
    """At the receiver: the reporter's reply joins the local thread, as if written here."""
    link = (
        ReferralLink.objects.select_for_update()
        .filter(referral_key=message["referral"], role=LinkRole.RECEIVER)
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
            lifecycle.reporter_reply(report=report, text=text)
        except InvalidTransition:
            # Closed, archived or returned here: the reply still joins the thread.
            FollowUp.objects.create(
                report=report, author_kind=AuthorKind.REPORTER, text=text, created_at=timezone.now()
            )
    return "applied"


def referral_probe_apply(*, message: dict[str, Any], sender: str) -> str:
    """Reconciliation at the receiver: compare with what the hub believes and repair the difference."""
    link = ReferralLink.objects.filter(referral_key=message["referral"], role=LinkRole.RECEIVER).first()
    if link is None:
        referral_deliver_apply(message={**message, "version": 1}, sender=sender)
        return "drift:recreated"
    report = Report.objects.select_for_update().get(pk=link.report_id)
    if report.version > int(message["body"].get("known_version", 0)):
        referral_news_send(report=report)
        return "drift:resent"
    return "in_step"


# --- the hub's news of a referral made here ---------------------------------------------------------


def origin_update_apply(*, message: dict[str, Any], sender: str) -> str:
    """The referral's progress reaches the origin: the citizen's one timeline under one tracking ID."""
    link = (
        ReferralLink.objects.select_for_update().filter(referral_key=message["referral"], role=LinkRole.ORIGIN).first()
    )
    skipped = origin_update_skipped(link, message=message)
    if skipped:
        return skipped
    assert link is not None
    report = Report.objects.select_for_update().get(pk=link.report_id)
    change = origin_update_plan(link, report, message=message, now=timezone.now())
    FollowUp.objects.bulk_create(change.followups)
    if change.clear_autoclose:
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.AUTOCLOSE])
    report.save(update_fields=change.report_fields)
    link.save(update_fields=["applied_version", "mirrored_followups", "receiver_name"])
    audit_record(actor=Actor.system(), action="referral_update", report_id=report.pk, data=change.audit)
    origin_update_notify(report, change)
    return change.outcome


def origin_update_skipped(link: ReferralLink | None, *, message: dict[str, Any]) -> str:
    """Why an update is acknowledged without effect ("" when it applies): unknown referral, or stale."""
    if link is None:
        return "unknown_referral"
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
    if body.get("receiver_name"):
        link.receiver_name = str(body["receiver_name"])[:200]
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
