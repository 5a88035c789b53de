"""Delivering outbox rows: one message (task), the sweep (periodic), and replaying dead letters.

A message is claimed with SELECT ... FOR UPDATE SKIP LOCKED on a pending row, so the on-commit
task and the sweeper never deliver the same row at once; a worker killed mid-delivery loses its
connection, PostgreSQL rolls its transaction back and the row is pending again for the sweeper.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sync.models import OutboxMessage, OutboxStatus
from sync.transports import transport_send
from tenants.context import use_public_schema

logger = logging.getLogger(__name__)

# Messages per sweep run: enough to drain a burst within one beat interval, small enough that
# one run never holds a worker for long.
SWEEP_BATCH = 1000


def retry_delay(attempts: int) -> timedelta:
    """Back off exponentially: 2 s, 4 s, 8 s ... capped (LAPOR_SYNC_MAX_BACKOFF_SECONDS)."""
    return timedelta(seconds=min(2**attempts, settings.LAPOR_SYNC_MAX_BACKOFF_SECONDS))


def outbox_deliver(*, message_id: str | uuid.UUID) -> str:
    """Deliver one pending message; returns "delivered", "failed", "dead" or "skipped"."""
    use_public_schema()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.status != OutboxStatus.PENDING:
            return "skipped"
        try:
            with transaction.atomic():
                outcome = transport_send(message)
        except Exception as exc:  # any failure: recorded on the row, retried later, never lost
            use_public_schema()
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.LAPOR_SYNC_MAX_ATTEMPTS:
                message.status = OutboxStatus.DEAD
                logger.error(
                    "sync: %s to %s is a dead letter after %s attempts: %s",
                    message.pk,
                    message.recipient,
                    message.attempts,
                    message.last_error,
                )
            else:
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                logger.warning(
                    "sync: %s to %s failed (attempt %s): %s",
                    message.pk,
                    message.recipient,
                    message.attempts,
                    message.last_error,
                )
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return "dead" if message.status == OutboxStatus.DEAD else "failed"
        use_public_schema()
        message.status = OutboxStatus.DELIVERED
        message.delivered_at = timezone.now()
        message.attempts += 1
        message.last_error = ""
        message.save(update_fields=["status", "delivered_at", "attempts", "last_error"])
        logger.debug("sync: %s delivered to %s: %s", message.pk, message.recipient, outcome)
        return "delivered"


def outbox_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver due pending messages of every party: one indexed query over the public outbox.

    Its cost follows the pending messages, never the number of (quiet) tenants.
    """
    use_public_schema()
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for message_id in due:
        outcome = outbox_deliver(message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@transaction.atomic
def outbox_replay(*, message_ids: list[str] | list[uuid.UUID]) -> int:
    """Put dead letters back in the queue (hub console action); returns how many."""
    ids = [str(i) for i in message_ids]
    count = OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _requeue(ids))
    return count


def _requeue(message_ids: list[str]) -> None:
    from sync.outbox import _queue

    for message_id in message_ids:
        _queue(message_id)
