"""The one Celery app. Tasks carry the schema they were queued from (tenant-schemas-celery).

Two kinds of task:
- `@tenant_task`: needs a Pemda. Queuing it from the public schema raises at once, and a
  message that arrives without a tenant fails in the worker instead of touching public data.
- `@hub_task`: runs in the public schema on purpose (hub-wide work, sweepers).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from amqp.exceptions import PreconditionFailed
from celery import Task, signals
from kombu.transport import TRANSPORT_ALIASES
from tenant_schemas_celery.app import CeleryApp

from lapor.env import env_int
from lapor.metrics import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
# The default broker, kombu's SQLAlchemy transport, made to survive a lost database connection.
TRANSPORT_ALIASES["sqla"] = TRANSPORT_ALIASES["sqlalchemy"] = "lapor.sqla_broker:Transport"

# Seconds between SLA scans (one query over the public deadline index, whatever the tenant count).
# Read here, not from django.conf.settings: this module is imported while the settings load.
SLA_SCAN_SECONDS = env_int("LAPOR_SLA_SCAN_SECONDS", 60, minimum=5)
# Seconds between outbox sweeps (sync/): re-sends what the broker lost.
SYNC_SWEEP_SECONDS = env_int("LAPOR_SYNC_SWEEP_SECONDS", 5, minimum=1)

# lapor.broker: quorum queues with dead-letter queues on RabbitMQ.
app = CeleryApp("lapor", amqp="lapor.broker:LaporAMQP")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    task_tenant_cache_seconds=30,
    imports=("lapor.tasks",),
    beat_schedule={
        "worker-heartbeat": {"task": "lapor.tasks.worker_heartbeat_task", "schedule": 30.0},
        "sla-scan": {"task": "deadlines.tasks.sla_scan_task", "schedule": float(SLA_SCAN_SECONDS)},
        "sync-sweep": {"task": "sync.tasks.outbox_sweep_task", "schedule": float(SYNC_SWEEP_SECONDS)},
        "sync-nonce-purge": {"task": "sync.tasks.nonce_purge_task", "schedule": 600.0},
        # Hub tasks (national_hub.tasks) that keep the names they were first scheduled under.
        "sync-reconcile": {"task": "sync.tasks.reconcile_task", "schedule": 600.0},
        "hub-triage-escalate": {"task": "sync.tasks.hub_triage_escalate_task", "schedule": float(SLA_SCAN_SECONDS)},
        "channels-sweep": {"task": "channels.tasks.outbound_sweep_task", "schedule": 30.0},
        "identity-retention": {"task": "national_hub.tasks.identity_purge_task", "schedule": 86400.0},
        "channels-retention": {"task": "channels.tasks.inbound_purge_task", "schedule": 86400.0},
        "channels-x-mentions": {"task": "channels.tasks.x_mentions_poll_task", "schedule": 60.0},
        "citizens-housekeeping": {"task": "citizens.tasks.citizen_housekeeping_task", "schedule": 3600.0},
        # Each Pemda's audit-chain head to the hub once a day (hourly: the first run of a Pemda's day sends).
        "audit-checkpoint": {"task": "complaints.tasks.audit_checkpoint_scan_task", "schedule": 3600.0},
    },
)
app.autodiscover_tasks()


@signals.setup_logging.connect
def _logging_from_settings(loglevel: Any = None, **_: Any) -> None:
    """Workers and beat log as every other process does (settings.LOGGING: JSON lines, lapor.logs)."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


# Task counts and the request id that travels with each task (lapor.metrics, lapor.logs).
connect_celery_signals()


class MissingTenantError(RuntimeError):
    """A tenant task was queued or received without a Pemda schema."""


def _current_schema() -> str:
    from django.db import connection

    return str(connection.schema_name)  # type: ignore[attr-defined]


class TenantRequiredTask(app.Task):  # type: ignore[name-defined,misc]
    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        from django_tenants.utils import get_public_schema_name

        headers = options.get("headers") or {}
        schema = headers.get("_schema_name") or _current_schema()
        if schema == get_public_schema_name():
            raise MissingTenantError(f"{self.name} needs a Pemda; it was queued from the public schema")
        return super().apply_async(args, kwargs, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from django_tenants.utils import get_public_schema_name

        if _current_schema() == get_public_schema_name():
            raise MissingTenantError(f"{self.name} received no Pemda schema; refusing to run in public")
        return super().__call__(*args, **kwargs)


def tenant_task(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Task]:
    kwargs.setdefault("base", TenantRequiredTask)
    return app.task(*args, **kwargs)  # type: ignore[no-any-return]


def hub_task(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Task]:
    return app.task(*args, **kwargs)  # type: ignore[no-any-return]


def broker_prepare(*queues: str) -> list[str]:
    """Declare the app's queues (and `queues`) on the broker, from one process, before the rest start.

    kombu's SQLAlchemy transport, the default broker, creates its tables and each queue's row on
    first use, behind a lock that only serialises threads of one process: a worker and a publisher
    (web, beat, a test) starting together on a fresh broker can both insert the same queue row,
    and the loser, if it is the worker starting up, dies with UniqueViolation on
    kombu_queue_name_key. Declared here first, every later declaration is a lookup. Declaring is
    idempotent on RabbitMQ too, with the same arguments the worker itself would use.
    Returns the names declared.
    """
    from django.conf import settings

    names = [app.conf.task_default_queue, settings.LAPOR_NOTIFICATION_QUEUE, *queues]
    declared = [name for name in dict.fromkeys(names) if name]
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for name in declared:
            queue = app.amqp.queues.get(name) or app.amqp.queues.new_missing(name)
            try:
                queue.bind(channel).declare()
            except PreconditionFailed as exc:
                # RabbitMQ refuses to change a queue's type or arguments in place.
                raise RuntimeError(
                    f"queue {name!r} exists on the broker with other arguments ({exc}); drain and delete it"
                    " (rabbitmqctl delete_queue) so it can be declared again as a quorum queue with its"
                    " dead-letter queue, or set LAPOR_BROKER_QUORUM_QUEUES=0"
                ) from exc
    return declared


@signals.worker_init.connect
@signals.beat_init.connect
def _pooler_at_start(**_: Any) -> None:
    """Workers and beat refuse a PgBouncer in transaction mode, as the web tier does (lapor.pooler)."""
    from lapor.pooler import pooler_problem

    problem = pooler_problem()
    if problem is not None:
        # Celery logs and swallows a signal handler's exception; SystemExit stops the process.
        raise SystemExit(f"lapor: {problem}")
