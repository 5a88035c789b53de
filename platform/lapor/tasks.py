"""Platform-level tasks: liveness of the worker/beat pair and a per-tenant worker probe."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lapor.celery import hub_task, tenant_task
from tenants.context import current_schema, current_tenant


@hub_task(name="lapor.tasks.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task() -> None:
    """Queued by beat, run by a worker: /readyz reports how long ago this last happened."""
    from national_hub.models import ProcessHeartbeat

    ProcessHeartbeat.objects.update_or_create(name="worker", defaults={"last_seen": timezone.now()})


@tenant_task(name="lapor.tasks.tenant_probe_task")
def tenant_probe_task() -> dict[str, Any]:
    """Report the schema and Pemda the worker ran in (used by `manage.py worker_check`)."""
    from agencies.models import Unit

    tenant = current_tenant()
    return {
        "schema": current_schema(),
        "code": tenant.code,
        "units": Unit.objects.count(),
    }
