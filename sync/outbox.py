"""Writing outbox rows inside the caller's transaction, and queuing their delivery on commit."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from lapor.logs import current_request_id
from sync.models import OutboxMessage

logger = logging.getLogger(__name__)

# The sweeper process turns this off: it delivers what it writes itself, and must not wait on a
# broker that may be down.
QUEUE_ON_COMMIT = True

# Rows written while a batch is applied (outbox_buffered): inserted together when it ends.
# Per thread, so a threaded server's other requests never write into a sweeper's batch.
_local = threading.local()


@contextmanager
def outbox_buffered() -> Iterator[None]:
    """Gather the outbox rows written inside the block and insert them in one statement at its end.

    For the sweeper's batch apply: the rows still commit in the transaction of the change.
    """
    outer = getattr(_local, "buffer", None)
    buffer: list[OutboxMessage] = []
    _local.buffer = buffer
    try:
        yield
        if buffer:
            OutboxMessage.objects.bulk_create(buffer)
    finally:
        _local.buffer = outer


def outbox_write(
    *,
    sender: str,
    recipient: str,
    kind: str,
    referral_key: str,
    version: int,
    body: dict[str, Any],
    to_party: str = "",
    message_id: uuid.UUID | None = None,
) -> OutboxMessage:
    """Record a message for another party. Call inside the transaction of the change it carries.

    `message_id`: a sender that must not say the same thing twice (one message a day) derives it;
    a second insert of that id fails, and the receiver's inbox acknowledges a repeat as duplicate.
    """
    now = timezone.now()
    message = OutboxMessage(
        id=message_id or uuid.uuid4(),
        sender=sender,
        recipient=recipient,
        to_party=to_party or recipient,
        kind=kind,
        referral_key=referral_key,
        version=version,
        body=body,
        next_attempt_at=now,
        created_at=now,
        request_id=current_request_id(),
    )
    buffer = getattr(_local, "buffer", None)
    if buffer is not None:
        buffer.append(message)
    else:
        message.save(force_insert=True)
    logger.info("sync: %s %s for %s written", message.kind, message.id, recipient)
    if QUEUE_ON_COMMIT:
        queued = str(message.id)
        transaction.on_commit(lambda: _queue(queued))
    return message


def _queue(message_id: str) -> None:
    from sync.tasks import outbox_deliver_task

    try:
        # Hub task: runs in public whatever schema queued it; no publish retries, so a down
        # broker costs the request nothing. The sweeper delivers what was not queued.
        outbox_deliver_task.apply_async((message_id,), headers={"_schema_name": "public"}, retry=False)
    except Exception as exc:  # any broker failure; the sweeper re-sends
        logger.warning("sync: could not queue %s (%s); the sweeper will deliver it", message_id, exc)
