"""What a report change sends to the other end of its referral, written in the change's transaction.

Called by complaints.services (never the other way round): `referral_created` when a report is
referred (bukan wewenang), `referral_news_send` on every change of a report that is one end of a
referral.
"""

from __future__ import annotations

from typing import Any

from complaints.models import AuthorKind, FollowUp, LinkRole, Privacy, Referral, ReferralLink, Report, Status
from deadlines.models import DeadlineKind
from deadlines.services import deadline_clear
from lapor.crypto import decrypt
from sync.models import OutboxMessage, OutboxStatus
from sync.outbox import outbox_write
from sync.parties import HUB, current_party, self_name, upstream
from tenants.context import current_tenant

# The receiver's report status -> what the hub and the origin are told.
STATUS_OUT = {
    Status.SUBMITTED: "received",
    Status.DEFERRED: "received",
    Status.DISPOSED: "disposed",
    Status.ANSWERED: "answered",
    Status.CLOSED: "closed",
    Status.REFERRED: "returned",
    Status.ARCHIVED: "returned",
    Status.MERGED: "disposed",
}


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


def referral_created(*, referral: Referral) -> None:
    """The referral leaves through the outbox, in the transaction of report_refer.

    A report that is itself a received referral is not referred on from here: its "bukan
    wewenang" goes back to the hub as a return (see referral_news_send), which re-routes it.
    """
    report = referral.report
    if ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.RECEIVER).exists():
        return
    party = current_party()
    key = f"{self_name()}/{party}/{referral.pk}"
    # A Pemda running its own deployment refers through the national hub (LAPOR_SYNC_UPSTREAM),
    # which routes it and answers back to this deployment.
    via = upstream() or HUB
    ReferralLink.objects.create(
        referral_key=key, role=LinkRole.ORIGIN, report=report, tracking_id=report.tracking_id, reply_to=via
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


def referral_news_send(*, report: Report) -> None:
    """A receiver's new state goes back towards the origin; at the origin, the reporter's replies
    go on to whoever works the referral."""
    link = ReferralLink.objects.filter(report_id=report.pk).first()
    if link is None:
        return
    if link.role == LinkRole.ORIGIN:
        _origin_reporter_replied(report, link)
        return
    party = current_party()
    body: dict[str, Any] = {
        "status": STATUS_OUT.get(Status(report.status), "received"),
        "receiver_name": current_tenant().name,
        "followups": [
            {
                "id": f"{party}:{f.pk}",
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
        sender=party, referral_key=link.referral_key, kind="referral.update", status=OutboxStatus.PENDING
    ).update(version=report.version, body=body)
    if superseded:
        return
    outbox_write(
        sender=party,
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
    party = current_party()
    replies = [
        {"id": f"{party}:r{f.pk}", "text": f.text, "created_at": f.created_at.isoformat()}
        for f in FollowUp.objects.filter(report_id=report.pk, author_kind=AuthorKind.REPORTER).order_by("id")
    ]
    new = [r for r in replies if r["id"] not in forwarded]
    if not new:
        return
    link.mirrored_followups = [*link.mirrored_followups, *[r["id"] for r in new]]
    link.save(update_fields=["mirrored_followups"])
    outbox_write(
        sender=party,
        recipient=link.reply_to,
        to_party=HUB,
        kind="referral.reply",
        referral_key=link.referral_key,
        version=report.version,
        body={"replies": replies},
    )
