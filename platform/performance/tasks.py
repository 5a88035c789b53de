"""The drain, queued per Pemda by the relay about a second after its reports change."""

from __future__ import annotations

from lapor.celery import tenant_task
from performance.aggregate import stats_drain


@tenant_task(name="performance.tasks.stats_drain_task", ignore_result=True)
def stats_drain_task() -> int:
    return stats_drain()
