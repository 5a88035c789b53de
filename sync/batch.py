"""Applying a sweep's batch of same-database messages set-wise, one receiving party at a time.

Applied one by one, a message cost ~16 round trips and most of its time in ORM bookkeeping
(the same-database drain ran at ~60 referrals/s). Here the messages of one receiving party
whose handler has `apply_many` (sync.handlers) are applied together: one inbox claim for the
group, the owner's set-wise apply per kind, the outbox rows the handlers write inserted in one
statement (outbox_buffered), one inbox outcome update. This module holds only the mechanics
(claiming, grouping per receiver, savepoints, the one-by-one fallback); what a message does is
its owner's handler's business. Nothing here replaces a library: no bulk-upsert or outbox
library knows the inbox and version rules these writes must keep.

A group is applied in its own savepoint. When anything in it fails (a poisoned message, a
sender outside its scope, a unique conflict with a concurrent writer), the savepoint is rolled
back and every message of the group goes through the one-by-one path, which records each
failure on its own row (attempts, back-off, dead letter) without holding up the others.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from sync.handlers import AT_HUB, AT_PEMDA, Received, batch_capable, handler_for
from sync.models import HUB, OutboxMessage, OutboxStatus
from sync.outbox import outbox_buffered
from sync.transports import envelope_of
from tenants.context import use_public_schema
from tenants.models import Pemda, PemdaKind, PemdaStatus

logger = logging.getLogger(__name__)

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
    for party in parties:  # sorted: every sweeper takes the tenants' locks in the same order
        group = [m for m in messages if m.to_party == party]
        pemda = live.get(party)
        bulk: list[OutboxMessage]
        single: list[OutboxMessage]
        if party != HUB and pemda is None:
            bulk, single = [], group  # unknown party: the one-by-one path records the error
        else:
            bulk, single = _split(group, AT_HUB if pemda is None else AT_PEMDA)
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


def _split(group: list[OutboxMessage], place: str) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Messages that can go set-wise: their handler applies batches, and each is the only message
    of its referral in the group (several for one referral keep their order on the one-by-one path)."""
    per_key: dict[str, int] = {}
    for m in group:
        per_key[m.referral_key] = per_key.get(m.referral_key, 0) + 1
    capable = {kind: batch_capable(place, kind) for kind in {m.kind for m in group}}
    bulk = [m for m in group if capable[m.kind] and per_key[m.referral_key] == 1]
    chosen = {m.pk for m in bulk}
    return bulk, [m for m in group if m.pk not in chosen]


def _apply_group(messages: list[OutboxMessage], pemda: Pemda | None) -> None:
    claimed = _claim(messages)
    place = AT_HUB if pemda is None else AT_PEMDA
    outcomes: dict[str, str] = {}
    with tenant_context(pemda) if pemda is not None else nullcontext(), outbox_buffered():
        for kind in sorted({m.kind for m in messages}):
            fresh = [Received(envelope_of(m), m.sender) for m in messages if m.kind == kind and m.pk in claimed]
            if fresh:
                outcomes.update(handler_for(place, kind).apply_many(fresh))  # type: ignore[attr-defined]
    use_public_schema()
    if outcomes:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE public.sync_inboxmessage i SET outcome = v.outcome"
                " FROM unnest(%s::uuid[], %s::text[]) AS v(message_id, outcome) WHERE i.message_id = v.message_id",
                [list(outcomes), [o[:40] for o in outcomes.values()]],
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
