"""Celery tasks of the sync: each takes ids and calls one function of sync.delivery or sync.signing."""

from __future__ import annotations

from lapor.celery import hub_task
from sync.delivery import outbox_deliver, outbox_sweep
from sync.signing import nonce_purge


@hub_task(name="sync.tasks.outbox_deliver_task", ignore_result=True)
def outbox_deliver_task(message_id: str) -> str:
    # A failure is recorded on the outbox row and retried by the sweeper with back-off, so the
    # task itself never retries (two retry clocks would fight).
    return outbox_deliver(message_id=message_id)


@hub_task(name="sync.tasks.outbox_sweep_task", ignore_result=True)
def outbox_sweep_task() -> dict[str, int]:
    return outbox_sweep()


@hub_task(name="sync.tasks.nonce_purge_task", ignore_result=True)
def nonce_purge_task() -> int:
    return nonce_purge()
