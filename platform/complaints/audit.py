"""The hash-chained audit trail of one Pemda.

Each event's hash covers its content and the previous event's hash, so editing or deleting a
row (possible only by someone who can disable the append-only trigger) breaks the chain from
that row on. Appends go through the `complaints_audit_append` database function (migration
0002), which serializes them per tenant with a transaction-scoped advisory lock, so two
concurrent writers cannot both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
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


# The expressions the append function hashes (migrations 0002 and 0010), recomputed from each row.
AT_MICROS_SQL = "((extract(epoch FROM at) * 1000000)::bigint)"
DETAIL_SQL = (
    "encode(sha256(convert_to(jsonb_build_array(salt, actor_user_id, actor_label, data)::text, 'UTF8')), 'hex')"
)
# `report_prev`: the hash of the same report's previous event (GENESIS for its first, '' for none).
ENTRY_SQL = (
    f"encode(sha256(convert_to(concat_ws('|', 'lapor-audit/2', {AT_MICROS_SQL}::text,"
    f" coalesce(report_id::text, ''), action, {DETAIL_SQL}, report_prev), 'UTF8')), 'hex')"
)
REPORT_PREV_SQL = (
    "CASE WHEN report_id IS NULL THEN '' ELSE coalesce(lag(hash) OVER (PARTITION BY report_id ORDER BY id),"
    f" '{GENESIS}') END"
)
_V1_SQL = (
    "encode(sha256(convert_to(jsonb_build_array(prev_hash, (extract(epoch FROM at) * 1000000)::bigint,"
    " actor_user_id, actor_label, report_id, action, data)::text, 'UTF8')), 'hex')"
)
_RECOMPUTE_SQL = f"""
SELECT id, prev_hash, hash, salt <> '',
       CASE WHEN salt = '' THEN {_V1_SQL}
            ELSE encode(sha256(convert_to(prev_hash || {ENTRY_SQL}, 'UTF8')), 'hex') END
FROM (SELECT *, {REPORT_PREV_SQL} AS report_prev FROM complaints_auditevent {{where}}) e ORDER BY id
"""


def link_hash(prev_hash: str, entry: str) -> str:
    """The hash of a format-2 event from its predecessor's hash and its entry digest."""
    return hashlib.sha256((prev_hash + entry).encode()).hexdigest()


def entry_digest(*, at_us: int, report_id: int | None, action: str, detail: str, report_prev: str) -> str:
    """A format-2 event's entry digest from its public fields, the digest of its detail and the
    hash of its report's previous event."""
    text = "|".join(
        ("lapor-audit/2", str(at_us), "" if report_id is None else str(report_id), action, detail, report_prev)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def audit_first_broken_link() -> AuditEvent | None:
    """The first event whose stored hash or link does not match a recomputation, or None.

    Each event is recomputed by its own link format; an event of format 1 after one of format 2
    is broken too (the append function writes format 2 only, since migration 0010).
    """
    for event_id, _hash in audit_chain_walk():
        if event_id < 0:
            return AuditEvent.objects.get(pk=-event_id)
    return None


def audit_chain_walk(*, upto: int | None = None) -> Iterator[tuple[int, str]]:
    """Yield (id, stored hash) of every event in chain order while the chain recomputes; on the first
    event that does not, yield (-id, "") and stop. `upto`: stop after this id."""
    prev = GENESIS
    seen_v2 = False
    sql = _RECOMPUTE_SQL.format(where="" if upto is None else "WHERE id <= %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [] if upto is None else [upto])
        while rows := cursor.fetchmany(2000):
            for event_id, prev_hash, stored, is_v2, expected in rows:
                if prev_hash != prev or stored != expected or (seen_v2 and not is_v2):
                    yield -event_id, ""
                    return
                seen_v2 = seen_v2 or is_v2
                prev = stored
                yield event_id, stored
