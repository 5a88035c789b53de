"""The periodic SLA scan: finds the Pemda with due clocks and queues their work in their own schema."""

from __future__ import annotations

from django.utils import timezone

from deadlines.selectors import schemas_with_due_actions
from lapor.celery import hub_task


@hub_task(name="deadlines.tasks.sla_scan_task", ignore_result=True)
def sla_scan_task() -> int:
    from complaints.tasks import sla_process_task

    schemas = schemas_with_due_actions(now=timezone.now())
    for schema in schemas:
        # Only tenants with something due get a task: the cost follows the work, not the tenant count.
        sla_process_task.apply_async(headers={"_schema_name": schema})
    return len(schemas)
