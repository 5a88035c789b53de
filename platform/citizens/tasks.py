"""Periodic upkeep of citizen accounts (public schema)."""

from __future__ import annotations

from citizens.services import citizen_channel_reports_link, citizen_housekeeping
from lapor.celery import hub_task


@hub_task(name="citizens.tasks.citizen_housekeeping_task", ignore_result=True)
def citizen_housekeeping_task() -> dict[str, int]:
    return citizen_housekeeping()


@hub_task(name="citizens.tasks.citizen_channel_reports_task", ignore_result=True)
def citizen_channel_reports_task(citizen_id: int) -> int:
    """After a sign-in by phone: the reports that number filed by SMS or WhatsApp, into "my reports"."""
    return citizen_channel_reports_link(citizen_id=citizen_id)
