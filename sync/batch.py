"""Applying a sweep's batch of same-database messages set-wise, one receiving party at a time.

Applied one by one, a message cost ~16 round trips and most of its time in ORM bookkeeping
(the same-database drain ran at ~60 referrals/s). Here the common kinds — a new referral at the
hub, a delivery at its receiving Pemda, the hub's update at the origin — are applied per party
with a few set-based statements: one inbox claim, one lookup per table, one insert per table,
one audit-chain append for all events, one inbox outcome update. The rules themselves stay in
sync.services (the same build/plan functions the one-by-one path uses); this module only
batches their reads and writes. Nothing here replaces a library: no bulk-upsert or outbox
library knows the inbox, version and audit-chain rules these writes must keep.

A group is applied in its own savepoint. When anything in it fails (a poisoned message, a
unique conflict with a concurrent writer), the savepoint is rolled back and every message of
the group goes through the one-by-one path, which records each failure on its own row
(attempts, back-off, dead letter) without holding up the others.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.audit import Actor, AuditEntry, audit_record_many
from complaints.models import FollowUp, Report
from deadlines.models import DeadlineKind, DueDeadline, Stage
from deadlines.services import REMINDER_LEAD
from sync import services
from sync.models import HUB, HubReferral, LinkRole, OutboxMessage, OutboxStatus, ReferralLink
from sync.outbox import outbox_buffered
from sync.routing import Route, route_resolve
from sync.transports import envelope_of
from tenants.context import current_schema, use_public_schema
from tenants.models import Pemda, PemdaKind, PemdaStatus

logger = logging.getLogger(__name__)

# The kinds applied set-wise, by where they arrive; every other kind goes one by one.
HUB_BULK_KINDS = frozenset({"referral.create"})
PEMDA_BULK_KINDS = frozenset({"referral.deliver", "referral.update"})

Deliver = Callable[[OutboxMessage], str]


def batch_deliver(messages: list[OutboxMessage], *, deliver_one: Deliver) -> dict[str, int]:
    """Deliver messages whose rows the caller holds locked, in the caller's transaction.

    `deliver_one` is the one-by-one path (records a failure on the message's row). Returns the
    count per outcome ("delivered", "failed", "dead"), as the one-by-one path would.
    """
    outcomes: dict[str, int] = {}
    parties = sorted({m.to_party for m in messages})
    live = {
        p.code: p
        for p in Pemda.objects.filter(code__in=[p for p in parties if p != HUB], status=PemdaStatus.LIVE).exclude(
            kind=PemdaKind.HUB
        )
    }
    delivered: list[uuid.UUID] = []
    for party in parties:  # sorted: every sweeper takes the tenants' audit locks in the same order
        group = [m for m in messages if m.to_party == party]
        pemda = live.get(party)
        bulk, single = _split(group, HUB_BULK_KINDS if party == HUB else PEMDA_BULK_KINDS)
        if party != HUB and pemda is None:
            bulk, single = [], group  # unknown party: the one-by-one path records the error
        if bulk:
            try:
                with transaction.atomic():
                    _apply_group(bulk, pemda)
                delivered += [m.pk for m in bulk]
            except Exception as exc:  # any failure: the group is retried one by one below
                use_public_schema()
                logger.warning("sync: batch for %s failed (%s: %s); one by one", party, type(exc).__name__, exc)
                single = sorted([*bulk, *single], key=lambda m: m.created_at)
        for message in single:
            outcome = deliver_one(message)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    use_public_schema()
    if delivered:
        OutboxMessage.objects.filter(pk__in=delivered).update(
            status=OutboxStatus.DELIVERED,
            delivered_at=timezone.now(),
            attempts=F("attempts") + 1,
            last_error="",
        )
        outcomes["delivered"] = outcomes.get("delivered", 0) + len(delivered)
    return outcomes


def _split(group: list[OutboxMessage], kinds: frozenset[str]) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Messages that can go set-wise: a bulk kind, and the only message of its referral in the
    group (several for one referral keep their order on the one-by-one path)."""
    per_key: dict[str, int] = {}
    for m in group:
        per_key[m.referral_key] = per_key.get(m.referral_key, 0) + 1
    bulk = [m for m in group if m.kind in kinds and per_key[m.referral_key] == 1]
    chosen = {m.pk for m in bulk}
    return bulk, [m for m in group if m.pk not in chosen]


def _apply_group(messages: list[OutboxMessage], pemda: Pemda | None) -> None:
    envelopes = {m.pk: envelope_of(m) for m in messages}
    claimed = _claim(messages)
    fresh = [m for m in messages if m.pk in claimed]
    outcomes: dict[uuid.UUID, str] = {}
    if pemda is None:
        outcomes.update(_hub_creates(fresh, envelopes))
    else:
        with tenant_context(pemda):
            deliveries = [m for m in fresh if m.kind == "referral.deliver"]
            updates = [m for m in fresh if m.kind == "referral.update"]
            events: list[AuditEntry] = []
            outcomes.update(_deliveries(deliveries, envelopes, events))
            outcomes.update(_origin_updates(updates, envelopes, events))
            audit_record_many(events)
        use_public_schema()
    if outcomes:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE public.sync_inboxmessage i SET outcome = v.outcome"
                " FROM unnest(%s::uuid[], %s::text[]) AS v(message_id, outcome) WHERE i.message_id = v.message_id",
                [[str(k) for k in outcomes], [o[:40] for o in outcomes.values()]],
            )


def _claim(messages: list[OutboxMessage]) -> set[uuid.UUID]:
    """Insert the inbox rows; returns the ids that were new (a repeat is acknowledged, not applied)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.sync_inboxmessage"
            " (message_id, sender, to_party, kind, referral_key, version, outcome, received_at)"
            " SELECT m.*, '', %s FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::int[])"
            " AS m ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            [
                now,
                [str(m.pk) for m in messages],
                [m.sender for m in messages],
                [m.to_party for m in messages],
                [m.kind for m in messages],
                [m.referral_key[:80] for m in messages],
                [m.version for m in messages],
            ],
        )
        return {uuid.UUID(str(row[0])) for row in cursor.fetchall()}


def _hub_creates(messages: list[OutboxMessage], envelopes: dict[uuid.UUID, dict[str, Any]]) -> dict[uuid.UUID, str]:
    """New referrals at the hub: records, routes and their outgoing messages, a statement each."""
    if not messages:
        return {}
    known = set(
        HubReferral.objects.filter(referral_key__in=[m.referral_key for m in messages]).values_list(
            "referral_key", flat=True
        )
    )
    routes: dict[tuple[Any, ...], Route] = {}
    names: dict[Route, str] = {}

    def route_of(**kwargs: Any) -> Route:
        key = tuple(sorted(kwargs.items()))
        if key not in routes:
            routes[key] = route_resolve(**kwargs)
        return routes[key]

    def name_of(route: Route) -> str:
        if route not in names:
            names[route] = services.route_name(route)
        return names[route]

    outcomes: dict[uuid.UUID, str] = {}
    records: list[HubReferral] = []
    with outbox_buffered():
        for m in messages:
            if m.referral_key in known:
                outcomes[m.pk] = "duplicate"
                continue
            hub_ref, outcome = services.hub_referral_prepare(
                message=envelopes[m.pk], sender=m.sender, route_of=route_of, name_of=name_of
            )
            records.append(hub_ref)
            known.add(m.referral_key)
            outcomes[m.pk] = outcome
        HubReferral.objects.bulk_create(records)
    return outcomes


def _deliveries(
    messages: list[OutboxMessage], envelopes: dict[uuid.UUID, dict[str, Any]], events: list[AuditEntry]
) -> dict[uuid.UUID, str]:
    """Referrals arriving at this Pemda: reports, clocks, links in a statement each."""
    if not messages:
        return {}
    party = services.current_party()
    earlier = {
        link.referral_key: link
        for link in ReferralLink.objects.filter(referral_key__in=[m.referral_key for m in messages], party=party)
    }
    snapshots = {m.pk: envelopes[m.pk]["body"].get("report") or {} for m in messages}
    wanted = {str(s.get("tracking_id", "")) for s in snapshots.values()} - {""}
    taken = set(Report.objects.filter(tracking_id__in=wanted).values_list("tracking_id", flat=True))
    categories: dict[str, Any] = {}
    now = timezone.now()
    outcomes: dict[uuid.UUID, str] = {}
    received: list[services.ReceivedReferral] = []
    for m in messages:
        if m.referral_key in earlier:
            outcomes[m.pk] = services.referral_deliver_reopen(earlier[m.referral_key], sender=m.sender)
            continue
        code = str(snapshots[m.pk].get("category", ""))
        if code not in categories:
            categories[code] = services.category_for_code(code)
        tracking_id = str(snapshots[m.pk].get("tracking_id", ""))
        one = services.referral_received_build(
            message=envelopes[m.pk],
            sender=m.sender,
            tracking_taken=tracking_id in taken,
            category=categories[code],
            now=now,
        )
        taken.add(one.report.tracking_id)
        received.append(one)
        outcomes[m.pk] = "created"
    if not received:
        return outcomes
    Report.objects.bulk_create([r.report for r in received])
    schema = current_schema()
    clocks = []
    for r in received:
        due = r.report.verify_due_at
        assert due is not None
        clocks.append(
            DueDeadline(
                schema_name=schema,
                report_id=r.report.pk,
                kind=DeadlineKind.VERIFY,
                due_at=due,
                stage=Stage.PENDING,
                next_action_at=due - REMINDER_LEAD,
            )
        )
        r.link.report_id = r.report.pk
    # As deadline_set: a clock is started or restarted.
    DueDeadline.objects.bulk_create(
        clocks,
        update_conflicts=True,
        unique_fields=["schema_name", "report_id", "kind"],
        update_fields=["due_at", "stage", "next_action_at"],
    )
    ReferralLink.objects.bulk_create([r.link for r in received])
    events += [AuditEntry(Actor.system(), "referral_received", r.report.pk, r.audit) for r in received]
    return outcomes


def _origin_updates(
    messages: list[OutboxMessage], envelopes: dict[uuid.UUID, dict[str, Any]], events: list[AuditEntry]
) -> dict[uuid.UUID, str]:
    """The hub's news of referrals made here: links and reports locked in id order, written set-wise."""
    if not messages:
        return {}
    links = {
        link.referral_key: link
        for link in ReferralLink.objects.select_for_update()
        .filter(
            referral_key__in=[m.referral_key for m in messages], party=services.current_party(), role=LinkRole.ORIGIN
        )
        .order_by("id")
    }
    outcomes: dict[uuid.UUID, str] = {}
    accepted: list[tuple[OutboxMessage, ReferralLink]] = []
    for m in messages:
        link = links.get(m.referral_key)
        refused = services.origin_update_refusal(link, message=envelopes[m.pk], sender=m.sender)
        if refused:
            outcomes[m.pk] = refused
        else:
            assert link is not None
            accepted.append((m, link))
    if not accepted:
        return outcomes
    reports = Report.objects.select_for_update().filter(pk__in=[link.report_id for _, link in accepted]).order_by("id")
    by_id = {r.pk: r for r in reports}
    now = timezone.now()
    changes = []
    for m, link in accepted:
        report = by_id[link.report_id]
        change = services.origin_update_plan(link, report, message=envelopes[m.pk], now=now)
        changes.append((report, change))
        outcomes[m.pk] = change.outcome
        events.append(AuditEntry(Actor.system(), "referral_update", report.pk, change.audit))
    FollowUp.objects.bulk_create([f for _, c in changes for f in c.followups])
    cleared = [r.pk for r, c in changes if c.clear_autoclose]
    if cleared:
        DueDeadline.objects.filter(
            schema_name=current_schema(), report_id__in=cleared, kind=DeadlineKind.AUTOCLOSE
        ).delete()
    _reports_write({r.pk: r for r, _ in changes}.values())
    _links_write([link for _, link in accepted])
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
            " mirrored_followups = ARRAY(SELECT jsonb_array_elements_text(v.mirrored))"
            " FROM unnest(%s::bigint[], %s::int[], %s::jsonb[]) AS v(id, applied_version, mirrored)"
            " WHERE l.id = v.id",
            [
                [link.pk for link in links],
                [link.applied_version for link in links],
                [json.dumps(link.mirrored_followups) for link in links],
            ],
        )
