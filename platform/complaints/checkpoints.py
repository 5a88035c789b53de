"""The Pemda's side of the audit checkpoints: its daily chain head to the hub, and a report's
history in a form anyone can check against the hub's signed checkpoint.

- `checkpoint_send(day)`: the head of this Pemda's audit chain (position = the event's id, its
  hash, its time) as sync message `audit.checkpoint` to the hub. The message id is derived from
  the Pemda and the day, so a second run the same day (beat, a retry, an operator) sends nothing
  new, and a re-delivery is a duplicate at the hub's inbox.
- `report_chain(report, upto)`: the report's events (position, time, action, and the digests that
  commit to the rest) and the entry digests of every event from its first one up to `upto` (a
  checkpoint's position), nothing else of anyone else's events; `complaints.historycheck`
  recomputes the links from them up to the hub's signed hash.
- `checkpoint_check(reader)`: this Pemda's chain against the checkpoints the hub signed
  (audit_verify): a history rewritten even with the database superuser's rights, hashes
  recomputed so the chain is consistent in itself, no longer ends in the hash the hub signed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from complaints.audit import AT_MICROS_SQL, DETAIL_SQL, ENTRY_SQL, GENESIS, audit_chain_walk
from complaints.historycheck import checkpoint_statement_verify, get_json, hub_keys
from complaints.models import AuditEvent, Report
from sync.models import OutboxMessage
from sync.outbox import outbox_write
from sync.parties import HUB, current_party, upstream
from tenants.context import current_tenant

KIND = "audit.checkpoint"
# Fixed namespace of the checkpoint messages' ids: uuid5(namespace, "<pemda>/<day>").
MESSAGE_NAMESPACE = uuid.UUID("8f6b2d0e-6a51-4c1e-9a57-0d3f4b1c7e21")


def checkpoint_message_id(pemda_code: str, day: date) -> uuid.UUID:
    return uuid.uuid5(MESSAGE_NAMESPACE, f"{pemda_code}/{day.isoformat()}")


def tenant_today() -> date:
    """Today in the Pemda's own time zone (WIB/WITA/WIT): the day a checkpoint is named for."""
    return timezone.now().astimezone(ZoneInfo(current_tenant().timezone)).date()


def audit_head() -> AuditEvent | None:
    return AuditEvent.objects.order_by("-id").only("id", "hash", "at").first()


def checkpoint_send(*, day: date | None = None) -> str:
    """Send this Pemda's chain head of `day` (default today) to the hub, once per day.

    Returns "sent", "already" (this day's message was written before) or "empty" (no event yet).
    """
    day = day or tenant_today()
    party = current_party()
    message_id = checkpoint_message_id(party, day)
    if OutboxMessage.objects.filter(pk=message_id).exists():
        return "already"
    head = audit_head()
    if head is None:
        return "empty"
    try:
        with transaction.atomic():
            outbox_write(
                message_id=message_id,
                sender=party,
                recipient=upstream() or HUB,
                to_party=HUB,
                kind=KIND,
                referral_key=f"audit/{party}",
                version=1,
                body={
                    "pemda": party,
                    "name": current_tenant().name,
                    "day": day.isoformat(),
                    "position": head.pk,
                    "hash": head.hash,
                    "at": head.at.isoformat(),
                },
            )
    except IntegrityError:  # the same day's message, written by another run a moment ago
        return "already"
    return "sent"


# --- a report's history, checkable by anyone -------------------------------------------------------


class SegmentTooLong(Exception):
    """The chain from the report's first event to the asked position is longer than the endpoint serves."""


def report_events(report: Report) -> list[dict[str, Any]]:
    """The report's audit events in chain order, with what commits to each (never its data or actor)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, at, {AT_MICROS_SQL}, action, salt <> '', prev_hash, hash,"
            f" CASE WHEN salt = '' THEN '' ELSE {DETAIL_SQL} END"
            " FROM complaints_auditevent WHERE report_id = %s ORDER BY id",
            [report.pk],
        )
        rows = cursor.fetchall()
    events = []
    report_prev = GENESIS
    for event_id, at, at_us, action, is_v2, prev_hash, stored, detail in rows:
        events.append(
            {
                "position": event_id,
                "at": at.isoformat(),
                "at_us": at_us,
                "action": action,
                "format": 2 if is_v2 else 1,
                "detail": detail,
                "report_prev": report_prev,
                "prev_hash": prev_hash,
                "hash": stored,
            }
        )
        report_prev = stored
    return events


def report_chain(*, report: Report, upto: int | None) -> dict[str, Any]:
    """The report's events and the chain segment from its first checkable event to `upto`.

    `upto` defaults to the chain's head. The segment lists [position, entry digest] for every
    event in between, the report's own included; an entry digest reveals nothing of its event.
    """
    events = report_events(report)
    head = audit_head()
    head_position = head.pk if head is not None else 0
    end = head_position if upto is None else min(upto, head_position)
    first = next((e for e in events if e["format"] == 2), None)
    result: dict[str, Any] = {
        "format": "lapor-audit/2",
        "pemda": current_party(),
        "name": current_tenant().name,
        "tracking_id": report.tracking_id,
        "report": report.pk,
        "events": events,
        "head": head_position,
        "segment": None,
    }
    if first is None or end < first["position"]:
        return result
    if AuditEvent.objects.filter(pk__gte=first["position"], pk__lte=end).count() > settings.LAPOR_AUDIT_SEGMENT_MAX:
        raise SegmentTooLong(end)
    with connection.cursor() as cursor:
        cursor.execute(
            # report_prev of the events in range: lag within it, else the report's last event before it.
            f"SELECT id, {ENTRY_SQL} FROM ("
            "  SELECT e.*, CASE WHEN e.report_id IS NULL THEN '' ELSE coalesce("
            "    lag(e.hash) OVER (PARTITION BY e.report_id ORDER BY e.id),"
            "    (SELECT p.hash FROM complaints_auditevent p WHERE p.report_id = e.report_id AND p.id < %s"
            f"     ORDER BY p.id DESC LIMIT 1), '{GENESIS}') END AS report_prev"
            "  FROM complaints_auditevent e WHERE e.id >= %s AND e.id <= %s"
            ") seg ORDER BY id",
            [first["position"], first["position"], end],
        )
        entries = [[event_id, entry] for event_id, entry in cursor.fetchall()]
    result["segment"] = {
        "from": first["position"],
        "to": end,
        "start_prev_hash": first["prev_hash"],
        "entries": entries,
    }
    return result


# --- this Pemda's chain against the hub's checkpoints (audit_verify) --------------------------------


@dataclass
class CheckpointReport:
    checked: int = 0
    mismatched: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0

    @property
    def tampered(self) -> bool:
        return bool(self.mismatched or self.bad_signatures)


def checkpoint_check(*, checkpoints: list[dict[str, Any]], key_document: dict[str, Any]) -> CheckpointReport:
    """Compare this Pemda's chain with the hub's signed checkpoints of it.

    Each checkpoint's signature is checked first (a row rewritten at the hub fails it); then the
    local chain, recomputed from its first event, must hold at the checkpoint's position an
    event whose hash is the signed one.
    """
    result = CheckpointReport()
    keys = hub_keys(key_document)
    wanted: dict[int, list[dict[str, Any]]] = {}
    for one in checkpoints:
        key = keys.get(str(one.get("key_id", "")))
        try:
            if key is None:
                raise ValueError("unknown key")
            statement = checkpoint_statement_verify(one["statement"], one["signature"], key)
        except ValueError:
            result.bad_signatures += 1
            continue
        if statement["pemda"] != current_party():
            result.bad_signatures += 1
            continue
        wanted.setdefault(int(statement["position"]), []).append(statement)
    if not wanted:
        return result
    last = max(wanted)
    broken_at: int | None = None
    for event_id, stored in audit_chain_walk(upto=last):
        if event_id < 0:
            broken_at = -event_id
            break
        for statement in wanted.pop(event_id, []):
            result.checked += 1
            if stored != statement["hash"]:
                result.mismatched.append({"day": statement["day"], "position": event_id, "reason": "hash"})
    for position, statements in sorted(wanted.items()):
        for statement in statements:
            result.checked += 1
            # Signed, so the event was there: the chain breaks before it, or it was removed.
            reason = "chain_broken" if broken_at is not None and position >= broken_at else "missing"
            result.mismatched.append({"day": statement["day"], "position": position, "reason": reason})
    return result


# --- the hub's checkpoints of this Pemda -----------------------------------------------------------


def hub_checkpoints(pemda_code: str, *, hub_url: str = "") -> dict[str, Any]:
    """What the hub publishes for a Pemda: {"key": {"public_key": ...}, "checkpoints": [newest first]}.

    Over HTTP from `hub_url` (or LAPOR_AUDIT_HUB_URL): a Pemda with its own deployment. Else read
    in this deployment by the hub's reader (LAPOR_AUDIT_CHECKPOINT_READER, a dotted path: the
    Pemda's code never imports the hub's).
    """
    url = (hub_url or settings.LAPOR_AUDIT_HUB_URL).rstrip("/")
    if url:
        listing: dict[str, Any] = get_json(f"{url}/api/v1/audit/checkpoints/{quote(pemda_code)}/")
        listing["key"] = get_json(f"{url}/api/v1/audit/key/")
        return listing
    reader = import_string(settings.LAPOR_AUDIT_CHECKPOINT_READER)
    with schema_context(get_public_schema_name()):
        return reader(pemda_code)  # type: ignore[no-any-return]
