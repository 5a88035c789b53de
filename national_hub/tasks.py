"""Periodic hub tasks: reconciliation probes and the triage SLA alert.

Both keep the names they were first scheduled and queued under (`sync.tasks.…`), from before
the hub's rules moved out of sync, so a message already in a queue or a beat schedule still runs.
"""

from __future__ import annotations

from lapor.celery import hub_task
from national_hub.reconcile import reconcile_run
from national_hub.triage import hub_triage_escalate


@hub_task(name="sync.tasks.reconcile_task", ignore_result=True)
def reconcile_task() -> dict[str, int]:
    return reconcile_run()


@hub_task(name="sync.tasks.hub_triage_escalate_task", ignore_result=True)
def hub_triage_escalate_task() -> int:
    return hub_triage_escalate()


@hub_task(name="national_hub.tasks.identity_purge_task", ignore_result=True)
def identity_purge_task() -> int:
    """The retention schedule, daily: every Pemda's reporter identities past their period, and
    the hub's copies of named reporters in referral records and delivered messages."""
    from complaints.dataprotection import identity_purge_all
    from national_hub.retention import hub_identity_purge

    purged = sum(result.reports for result in identity_purge_all().values())
    hub = hub_identity_purge()
    return purged + hub.referrals + hub.messages
