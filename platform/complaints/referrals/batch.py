"""The set-wise apply of a sweep's batch at one Pemda: delivered referrals and the hub's news.

Applied one by one, a message cost ~16 round trips and most of its time in ORM bookkeeping; here
a batch costs a few statements per kind: one lookup per table, one insert per table, one
audit-chain append for all events. The rules are those of complaints.referrals.services (the same
build/plan functions); only their reads and writes are batched. sync.batch calls these through
the handlers of complaints.referrals.inbound, inside the Pemda's schema and a savepoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from complaints.audit import Actor, AuditEntry, audit_record_many
from complaints.models import FollowUp, LinkRole, ReferralLink, Report
from complaints.referrals import services
from deadlines.models import DeadlineKind
from deadlines.services import deadlines_clear, deadlines_set
from sync.handlers import Received


def deliveries_apply(received: list[Received]) -> dict[str, str]:
    """Referrals arriving at this Pemda: reports, clocks, links in a statement each."""
    earlier = {
        link.referral_key: link
        for link in ReferralLink.objects.filter(referral_key__in=[r.message["referral"] for r in received])
    }
    snapshots = {r.id: r.message["body"].get("report") or {} for r in received}
    wanted = {str(s.get("tracking_id", "")) for s in snapshots.values()} - {""}
    taken = set(Report.objects.filter(tracking_id__in=wanted).values_list("tracking_id", flat=True))
    categories: dict[str, Any] = {}
    now = timezone.now()
    outcomes: dict[str, str] = {}
    built: list[services.ReceivedReferral] = []
    for one in received:
        if one.message["referral"] in earlier:
            outcomes[one.id] = services.referral_deliver_reopen(earlier[one.message["referral"]], sender=one.sender)
            continue
        code = str(snapshots[one.id].get("category", ""))
        if code not in categories:
            categories[code] = services.category_for_code(code)
        tracking_id = str(snapshots[one.id].get("tracking_id", ""))
        new = services.referral_received_build(
            message=one.message,
            sender=one.sender,
            tracking_taken=tracking_id in taken,
            category=categories[code],
            now=now,
        )
        taken.add(new.report.tracking_id)
        built.append(new)
        outcomes[one.id] = "created"
    if not built:
        return outcomes
    Report.objects.bulk_create([b.report for b in built])
    clocks = []
    for b in built:
        assert b.report.verify_due_at is not None
        clocks.append((b.report.pk, DeadlineKind.VERIFY, b.report.verify_due_at))
        b.link.report = b.report
    deadlines_set(clocks=clocks)
    ReferralLink.objects.bulk_create([b.link for b in built])
    audit_record_many([AuditEntry(Actor.system(), "referral_received", b.report.pk, b.audit) for b in built])
    return outcomes


def origin_updates_apply(received: list[Received]) -> dict[str, str]:
    """The hub's news of referrals made here: links and reports locked in id order, written set-wise."""
    links = {
        link.referral_key: link
        for link in ReferralLink.objects.select_for_update()
        .filter(referral_key__in=[r.message["referral"] for r in received], role=LinkRole.ORIGIN)
        .order_by("id")
    }
    outcomes: dict[str, str] = {}
    accepted: list[tuple[Received, ReferralLink]] = []
    for one in received:
        link = links.get(one.message["referral"])
        skipped = services.origin_update_skipped(link, message=one.message)
        if skipped:
            outcomes[one.id] = skipped
        else:
            assert link is not None
            accepted.append((one, link))
    if not accepted:
        return outcomes
    reports = Report.objects.select_for_update().filter(pk__in=[link.report_id for _, link in accepted]).order_by("id")
    by_id = {r.pk: r for r in reports}
    now = timezone.now()
    changes = []
    events = []
    for one, link in accepted:
        report = by_id[link.report_id]
        change = services.origin_update_plan(link, report, message=one.message, now=now)
        changes.append((report, change))
        outcomes[one.id] = change.outcome
        events.append(AuditEntry(Actor.system(), "referral_update", report.pk, change.audit))
    FollowUp.objects.bulk_create([f for _, c in changes for f in c.followups])
    cleared = [r.pk for r, c in changes if c.clear_autoclose]
    if cleared:
        deadlines_clear(report_ids=cleared, kinds=[DeadlineKind.AUTOCLOSE])
    _reports_write({r.pk: r for r, _ in changes}.values())
    _links_write([link for _, link in accepted])
    audit_record_many(events)
    for report, change in changes:
        services.origin_update_notify(report, change)
    return outcomes


# Django's bulk_update builds a CASE WHEN per row and field; its expression bookkeeping cost more
# than everything else in a batch. These write the same columns from one array per column.


def _reports_write(reports: Iterable[Report]) -> None:
    """The columns origin_update_plan changes, from the (locked) rows in memory."""
    rows = list(reports)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Report._meta.db_table} r SET version = v.version, status = v.status,"
            " answered_at = v.answered_at, closed_at = v.closed_at"
            " FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::timestamptz[], %s::timestamptz[])"
            " AS v(id, version, status, answered_at, closed_at) WHERE r.id = v.id",
            [
                [r.pk for r in rows],
                [r.version for r in rows],
                [r.status for r in rows],
                [r.answered_at for r in rows],
                [r.closed_at for r in rows],
            ],
        )


def _links_write(links: list[ReferralLink]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ReferralLink._meta.db_table} l SET applied_version = v.applied_version,"
            " mirrored_followups = ARRAY(SELECT jsonb_array_elements_text(v.mirrored)),"
            " receiver_name = v.receiver_name"
            " FROM unnest(%s::bigint[], %s::int[], %s::jsonb[], %s::text[])"
            " AS v(id, applied_version, mirrored, receiver_name) WHERE l.id = v.id",
            [
                [link.pk for link in links],
                [link.applied_version for link in links],
                [json.dumps(link.mirrored_followups) for link in links],
                [link.receiver_name for link in links],
            ],
        )
