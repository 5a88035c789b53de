"""How the Celery queues look on RabbitMQ: quorum queues, each with its own dead-letter queue.

On RabbitMQ (an `amqp://` broker URL, or a `;`-separated list of them for failover) every queue
the app publishes to or consumes from is declared as

- a **quorum queue** (`x-queue-type: quorum`): replicated by Raft to a majority of the cluster's
  nodes before the publisher is confirmed, so losing one node of three loses no message;
- bound to a **topic exchange** of its name, so Celery's native delayed delivery (retries with a
  countdown, which quorum queues need instead of holding ETA tasks in worker memory) can route
  to it;
- with a **dead-letter exchange** `<queue>.dlx` (fanout) and queue `<queue>.dead` (quorum):
  a message a worker rejects without requeue (an unknown task name, a body that does not decode)
  or one redelivered more than `LAPOR_BROKER_DELIVERY_LIMIT` times (a task that kills its worker
  every time) is moved there, at-least-once, instead of being dropped or looping forever.

Publisher confirms (`confirm_publish`) are on for RabbitMQ: `apply_async` returns once the
broker has taken the message. Workers use per-consumer QoS (quorum queues refuse global QoS;
Celery's `worker_detect_quorum_queues` switches it). `LAPOR_BROKER_QUORUM_QUEUES=0` keeps
RabbitMQ's classic queues (for a broker that already holds classic queues of the same names:
RabbitMQ refuses to redeclare a queue with another type; see deploy/README.md).

Other brokers (kombu's SQLAlchemy transport, the default of a fresh machine; Redis) have no
queue types: their queues are declared as before.
"""

from __future__ import annotations

from typing import Any

from celery.app.amqp import AMQP, Queues
from kombu import Exchange, Queue

RABBITMQ_SCHEMES = ("amqp", "amqps", "pyamqp")


def broker_is_rabbitmq(url: str) -> bool:
    """True for an AMQP broker URL (or a `;`-separated failover list of them)."""
    return bool(url) and all(part.strip().split("://", 1)[0] in RABBITMQ_SCHEMES for part in url.split(";"))


def dead_letter_names(queue: str) -> tuple[str, str]:
    """The dead-letter exchange and queue of `queue`."""
    return f"{queue}.dlx", f"{queue}.dead"


def quorum_arguments(name: str, *, delivery_limit: int) -> dict[str, Any]:
    dlx, _dlq = dead_letter_names(name)
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": dlx,
        "x-dead-letter-routing-key": name,
        "x-delivery-limit": delivery_limit,
        # A dead-lettered message is kept until the dead-letter queue has it (RabbitMQ >= 3.10);
        # at-least-once dead-lettering requires reject-publish overflow.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


class QuorumQueue(Queue):  # type: ignore[misc]
    """A quorum queue whose declaration also declares its dead-letter exchange and queue.

    Every declaration (the worker's on start, a publisher's first publish, `broker_prepare`)
    goes through `declare`, so a queue never exists on the broker without its dead-letter queue
    (RabbitMQ drops dead letters addressed to an exchange that does not exist).
    """

    def declare(self, nowait: bool = False, channel: Any = None) -> str:
        if not getattr(self, "no_declare", False):
            dlx_name, dlq_name = dead_letter_names(self.name)
            channel = channel or self.channel
            dlx = Exchange(dlx_name, type="fanout", durable=True)
            Queue(dlq_name, dlx, routing_key=self.name, queue_arguments={"x-queue-type": "quorum"}).bind(
                channel
            ).declare(nowait=nowait)
        return str(super().declare(nowait=nowait, channel=channel))


def quorum_queue(name: str, *, delivery_limit: int, exchange: str | None = None) -> QuorumQueue:
    return QuorumQueue(
        name,
        Exchange(exchange or name, type="topic", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments=quorum_arguments(name, delivery_limit=delivery_limit),
    )


def _quorum_enabled(app: Any) -> bool:
    from django.conf import settings

    return bool(getattr(settings, "LAPOR_BROKER_QUORUM", False)) and broker_is_rabbitmq(str(app.conf.broker_url))


def _delivery_limit() -> int:
    from django.conf import settings

    return int(getattr(settings, "LAPOR_BROKER_DELIVERY_LIMIT", 20))


class LaporQueues(Queues):  # type: ignore[misc]
    """Queues a worker (`-Q name`) or a publisher (`queue=name`) names without declaring them first."""

    quorum = False

    def new_missing(self, name: str) -> Queue:
        if self.quorum:
            return quorum_queue(name, delivery_limit=_delivery_limit())
        return super().new_missing(name)


class LaporAMQP(AMQP):  # type: ignore[misc]
    """Celery's AMQP glue with the queue shape above (`CeleryApp("lapor", amqp=...)`)."""

    queues_cls = LaporQueues

    def Queues(self, queues: Any, *args: Any, **kwargs: Any) -> Queues:
        quorum = _quorum_enabled(self.app)
        conf = self.app.conf
        if quorum and not queues and conf.task_default_queue:
            queues = (
                quorum_queue(
                    conf.task_default_queue,
                    delivery_limit=_delivery_limit(),
                    exchange=conf.task_default_exchange or conf.task_default_queue,
                ),
            )
        made = super().Queues(queues, *args, **kwargs)
        made.quorum = quorum
        return made


class BrokerDeadLetterCollector:
    """`lapor_broker_dead_letters{queue}`: messages in each Celery queue's dead-letter queue, read at
    scrape time (settings.LAPOR_METRICS_COLLECTORS) by a passive declare on RabbitMQ; nothing on
    other brokers, and nothing (not an error) while the broker cannot be reached."""

    def collect(self) -> Any:
        from django.conf import settings
        from prometheus_client.core import GaugeMetricFamily

        from lapor.celery import app

        if not _quorum_enabled(app):
            return
        family = GaugeMetricFamily(
            "lapor_broker_dead_letters", "Messages in a Celery queue's dead-letter queue (RabbitMQ)", labels=["queue"]
        )
        names = [app.conf.task_default_queue, settings.LAPOR_NOTIFICATION_QUEUE]
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECT_TIMEOUT)
                channel = conn.channel()
                try:
                    for name in dict.fromkeys(n for n in names if n):
                        _dlx, dlq = dead_letter_names(name)
                        declared = channel.queue_declare(queue=dlq, passive=True)
                        family.add_metric([name], declared.message_count)
                finally:
                    channel.close()
        except Exception:  # broker down, or a queue not declared yet: the figure is absent
            return
        yield family
