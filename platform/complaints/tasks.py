"""Tasks of the report lifecycle; each runs in the Pemda it was queued from and calls one service."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from complaints.events import tenant_sla_processed
from complaints.notifications import notification_deliver
from complaints.services import sla_advance
from deadlines.selectors import due_actions_here, schemas_with_due_actions
from lapor.celery import hub_task, tenant_task

# Clocks handled per task run; a Pemda with more due work gets another run on the next scan.
SLA_BATCH_SIZE = 500


@tenant_task(
    name="complaints.tasks.notification_send_task",
    bind=True,
    max_retries=5,
    ignore_result=True,
)
def notification_send_task(self: Any, notification_id: int) -> str:
    try:
        return notification_deliver(notification_id=notification_id)
    except Exception as exc:
        # Back off 30 s, 60 s, 120 s ... ; after max_retries the row stays failed with its error.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@tenant_task(name="complaints.tasks.notification_send_batch_task", ignore_result=True)
def notification_send_batch_task(notification_ids: list[int]) -> dict[str, int]:
    """Send a relay batch; a failing one is retried alone, with back-off, as its own task."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        try:
            outcome = notification_deliver(notification_id=notification_id)
        except Exception:
            notification_send_task.apply_async(args=[notification_id], countdown=30)
            outcome = "retrying"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@tenant_task(name="complaints.tasks.sla_process_task", ignore_result=True)
def sla_process_task() -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for deadline in due_actions_here(now=timezone.now(), limit=SLA_BATCH_SIZE):
        outcome = sla_advance(deadline=deadline)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    tenant_sla_processed.send(sender=sla_process_task)
    return outcomes


# Named for the deadline index it scans (and the beat schedule that names it); the work it
# queues is this app's, so it lives here.
@hub_task(name="deadlines.tasks.sla_scan_task", ignore_result=True)
def sla_scan_task() -> int:
    """Find the Pemda with due clocks (one query over the public index) and queue their work there."""
    schemas = schemas_with_due_actions(now=timezone.now())
    for schema in schemas:
        # Only tenants with something due get a task: the cost follows the work, not the tenant count.
        sla_process_task.apply_async(headers={"_schema_name": schema})
    return len(schemas)


@tenant_task(name="complaints.tasks.audit_checkpoint_task", ignore_result=True)
def audit_checkpoint_task() -> str:
    """This Pemda's audit-chain head of today to the hub (once a day: a second run sends nothing)."""
    from complaints.checkpoints import checkpoint_send

    return checkpoint_send()


@hub_task(name="complaints.tasks.audit_checkpoint_scan_task", ignore_result=True)
def audit_checkpoint_scan_task() -> int:
    """Queue today's checkpoint in every live Pemda whose message of the day is not written yet.

    One query over the public outbox finds those already sent (their ids are derived from Pemda
    and day), so the hourly run costs a task only where a checkpoint is due.
    """
    from complaints.checkpoints import checkpoint_message_id
    from sync.models import OutboxMessage
    from tenants.models import Pemda, PemdaKind, PemdaStatus

    now = timezone.now()
    pemdas = list(
        Pemda.objects.filter(status=PemdaStatus.LIVE)
        .exclude(kind=PemdaKind.HUB)
        .values_list("schema_name", "code", "timezone")
    )
    due = {checkpoint_message_id(code, now.astimezone(ZoneInfo(tz)).date()): schema for schema, code, tz in pemdas}
    sent = set(OutboxMessage.objects.filter(pk__in=list(due)).values_list("pk", flat=True))
    queued = 0
    for message_id, schema in due.items():
        if message_id not in sent:
            audit_checkpoint_task.apply_async(headers={"_schema_name": schema})
            queued += 1
    return queued
