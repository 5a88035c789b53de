"""Delivering outbox rows: one message (task), the sweep (periodic), and replaying dead letters.

A message is claimed with SELECT ... FOR UPDATE SKIP LOCKED on a pending row, so the on-commit
task and the sweeper never deliver the same row at once; a worker killed mid-delivery loses its
connection, PostgreSQL rolls its transaction back and the row is pending again for the sweeper.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lapor.logs import current_request_id, request_bound
from sync.batch import batch_deliver
from sync.handlers import SenderRefused
from sync.models import OutboxMessage, OutboxStatus, Peer
from sync.transports import transport_send
from tenants.context import use_public_schema

logger = logging.getLogger(__name__)

# Messages per sweep run: enough to drain a burst within one beat interval, small enough that
# one run never holds a worker for long.
SWEEP_BATCH = 1000
# Same-database messages applied per transaction by the sweeper (set-wise per receiving party,
# sync.batch): 200 cost ~0.1 s on the 2-core machine, so a batch holds its tenants' audit locks
# well under a second; 50 spent a third more per message on per-statement overhead.
SAME_DB_BATCH = 200


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
        return _deliver_locked(message)


def _deliver_locked(message: OutboxMessage) -> str:
    """Send a message whose row the caller holds locked; record the outcome on the row.

    Logged under the request id of the work that wrote it (lapor.logs), in a worker or the sweeper.
    """
    with request_bound(message.request_id or current_request_id()):
        return _deliver_logged(message)


def _deliver_logged(message: OutboxMessage) -> str:
    try:
        with transaction.atomic():
            outcome = transport_send(message)
    except Exception as exc:  # any failure: recorded on the row, retried later, never lost
        use_public_schema()
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        # A sender outside its scope stays outside it: a dead letter at once, for an operator to see.
        if message.attempts >= settings.LAPOR_SYNC_MAX_ATTEMPTS or isinstance(exc, SenderRefused):
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


def _due() -> Any:
    return OutboxMessage.objects.select_for_update(skip_locked=True).filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    )


def outbox_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver due pending messages of every party: indexed queries over the public outbox.

    Its cost follows the pending messages, never the number of (quiet) tenants. Same-database
    messages go in batches of SAME_DB_BATCH per transaction, applied set-wise per receiving
    party (sync.batch); a party's group that fails is applied again one message per savepoint,
    so one failure never undoes the others. HTTP messages go one per transaction, so a slow
    peer holds up nobody else. Several sweepers share the work: SKIP LOCKED hands each a
    different batch.
    """
    use_public_schema()
    peers = list(Peer.objects.filter(is_active=True).values_list("code", flat=True))
    outcomes: dict[str, int] = {}
    done = 0
    while done < limit:
        with transaction.atomic():
            batch = list(_due().exclude(recipient__in=peers).order_by("next_attempt_at")[:SAME_DB_BATCH])
            # Every sweeper takes the per-tenant audit locks in the same order: no deadlock cycles.
            batch.sort(key=lambda m: (m.to_party, m.created_at))
            for outcome, count in batch_deliver(batch, deliver_one=_deliver_locked).items():
                outcomes[outcome] = outcomes.get(outcome, 0) + count
        done += len(batch)
        if len(batch) < SAME_DB_BATCH:
            break
    while done < limit:
        with transaction.atomic():
            message = _due().filter(recipient__in=peers).order_by("next_attempt_at").first()
            if message is None:
                break
            outcome = _deliver_locked(message)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        done += 1
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
