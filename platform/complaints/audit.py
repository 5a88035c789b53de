"""The hash-chained audit trail of one Pemda.

Each event's hash covers its content and the previous event's hash, so editing or deleting a
row (possible only by someone who can disable the append-only trigger) breaks the chain from
that row on. Appends are serialized per tenant with a transaction-scoped advisory lock, so two
concurrent writers cannot both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from complaints.models import AuditEvent
from tenants.context import current_schema

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


def _digest(prev_hash: str, at: datetime, actor: Actor, report_id: int | None, action: str, data: Any) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor.user_id, actor.label, report_id, action, data],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_record(*, actor: Actor, action: str, report_id: int | None, data: dict[str, Any] | None = None) -> None:
    """Append one event. Call inside the transaction of the change it records."""
    payload = json.loads(json.dumps(data or {}, default=str))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"audit:{current_schema()}"])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    at = timezone.now()
    AuditEvent.objects.create(
        at=at,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        report_id=report_id,
        action=action,
        data=payload,
        prev_hash=last,
        hash=_digest(last, at, actor, report_id, action, payload),
    )


def audit_first_broken_link() -> AuditEvent | None:
    """The first event whose stored hash or link does not match a recomputation, or None."""
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        actor = Actor(user_id=event.actor_user_id, label=event.actor_label)
        expected = _digest(prev, event.at, actor, event.report_id, event.action, event.data)
        if event.prev_hash != prev or event.hash != expected:
            return event
        prev = event.hash
    return None
