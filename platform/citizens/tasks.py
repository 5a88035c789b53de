"""Periodic upkeep of citizen accounts (public schema)."""

from __future__ import annotations

from citizens.services import citizen_housekeeping
from lapor.celery import hub_task


@hub_task(name="citizens.tasks.citizen_housekeeping_task", ignore_result=True)
def citizen_housekeeping_task() -> dict[str, int]:
    return citizen_housekeeping()
