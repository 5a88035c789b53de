"""Platform-level tasks: liveness of the worker/beat pair."""

from __future__ import annotations

from django.utils import timezone

from lapor.celery import hub_task
from lapor.models import ProcessHeartbeat


@hub_task(name="lapor.tasks.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task() -> None:
    """Queued by beat, run by a worker: /readyz reports how long ago this last happened."""
    ProcessHeartbeat.objects.update_or_create(name="worker", defaults={"last_seen": timezone.now()})
