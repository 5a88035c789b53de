"""Queue notification sends on commit, batched: one Celery message per tenant every second.

Publishing one Celery message per notification costs about a millisecond of broker work in
the request that caused it; the intake benchmark showed that to be the largest single cost of
taking in a report. Batching (lapor.relay) moves it off the request. A publish is still not
cheap: 1.2 ms of CPU with RabbitMQ and 3 ms with the SQLAlchemy broker of a fresh machine (170 notifications,
on their own), and about three times that inside a busy web worker, all of it holding the
interpreter. At four flushes a second that was ~0.1 ms of every report taken in by a worker
serving 400 a second (`make bench-intake`: ratio 0.696 with the SQLAlchemy broker against
0.729 with RabbitMQ); once a second leaves a quarter of it, and a confirmation e-mail still
leaves within a second or two, which no reader notices. `LAPOR_NOTIFY_FLUSH_MS` changes it.
A batch still in memory when its process dies is not lost: every notification row also holds
a clock in the public deadline index (kind `notify`), and the SLA scan re-sends whatever is
still pending after a minute.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lapor.env import env_int
from lapor.relay import Relay

FLUSH_SECONDS = env_int("LAPOR_NOTIFY_FLUSH_MS", 1000, minimum=10, maximum=10000) / 1000


def _publish(schema: str, ids: list[Any]) -> None:
    from complaints.tasks import notification_send_batch_task

    options = {"queue": settings.LAPOR_NOTIFICATION_QUEUE} if settings.LAPOR_NOTIFICATION_QUEUE else {}
    # argsrepr: Celery would otherwise build a repr of every id for its logs and events.
    notification_send_batch_task.apply_async(
        args=[ids], headers={"_schema_name": schema}, argsrepr=f"[<{len(ids)} notifications>]", **options
    )


_relay = Relay("notification", flush_seconds=FLUSH_SECONDS, publish=_publish)


def notification_send_on_commit(*, notification_id: int) -> None:
    _relay.on_commit(notification_id)


def relay_flush() -> int:
    """Publish what is queued; returns how many notifications were handed to the broker."""
    return _relay.flush()
