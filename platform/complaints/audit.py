"""The hash-chained audit trail of one Pemda.

Each event's hash covers its content and the previous event's hash, so editing or deleting a
row (possible only by someone who can disable the append-only trigger) breaks the chain from
that row on. Appends go through the `complaints_audit_append` database function (migration
0002), which serializes them per tenant with a transaction-scoped advisory lock, so two
concurrent writers cannot both chain onto the same predecessor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from complaints.models import AuditEvent

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, label="sistem")

    @classmethod
    def reporter(cls) -> Actor:
        return cls(user_id=None, label="pelapor")


def audit_record(*, actor: Actor, action: str, report_id: int | None, data: dict[str, Any] | None = None) -> None:
    """Append one event (one round trip). Call inside the transaction of the change it records."""
    payload = json.dumps(data or {}, default=str)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complaints_audit_append(%s, %s, %s, %s, %s, %s::jsonb)",
            [timezone.now(), actor.user_id, actor.label, report_id, action, payload],
        )


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: str
    report_id: int | None
    data: dict[str, Any]


def audit_record_many(entries: list[AuditEntry]) -> None:
    """Append several events in one round trip, chained in list order.

    One statement calls the same append function once per row: each call is a VOLATILE
    function's own statements, so it takes a fresh snapshot and chains onto the event the
    previous call inserted (the advisory lock is already held from the first call on).
    """
    if not entries:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complaints_audit_append(%s, e.user_id, e.label, e.report_id, e.action, e.data)"
            " FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::jsonb[])"
            " WITH ORDINALITY AS e(user_id, label, report_id, action, data, n) ORDER BY e.n",
            [
                now,
                [e.actor.user_id for e in entries],
                [e.actor.label for e in entries],
                [e.report_id for e in entries],
                [e.action for e in entries],
                [json.dumps(e.data, default=str) for e in entries],
            ],
        )


# The same expression the append function hashes, recomputed from each stored row.
_RECOMPUTE_SQL = """
SELECT id, prev_hash, hash,
       encode(sha256(convert_to(jsonb_build_array(
           prev_hash, (extract(epoch FROM at) * 1000000)::bigint, actor_user_id, actor_label,
           report_id, action, data)::text, 'UTF8')), 'hex')
FROM complaints_auditevent ORDER BY id
"""


def audit_first_broken_link() -> AuditEvent | None:
    """The first event whose stored hash or link does not match a recomputation, or None."""
    prev = GENESIS
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE_SQL)
        while rows := cursor.fetchmany(2000):
            for event_id, prev_hash, stored, expected in rows:
                if prev_hash != prev or stored != expected:
                    return AuditEvent.objects.get(pk=event_id)
                prev = stored
    return None
