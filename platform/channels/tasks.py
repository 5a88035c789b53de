"""Sending channel messages; runs in the schema (a Pemda's, or the hub's public one) it was queued from."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import schema_context

from channels.outbound import outbound_send, outbound_sweep
from deadlines.services import channel_clocks_due
from lapor.celery import hub_task


@hub_task(name="channels.tasks.outbound_send_task", ignore_result=True)
def outbound_send_task(outbound_ids: list[int]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for outbound_id in outbound_ids:
        outcome = outbound_send(outbound_id=outbound_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@hub_task(name="channels.tasks.outbound_sweep_task", ignore_result=True)
def outbound_sweep_task() -> int:
    """Retries and lost sends, in every schema the public index names (one indexed query)."""
    tried = 0
    for schema in channel_clocks_due(now=timezone.now()):
        with schema_context(schema):
            tried += outbound_sweep()
    return tried


@hub_task(name="channels.tasks.inbound_purge_task", ignore_result=True)
def inbound_purge_task() -> int:
    """Drop the raw text of inbound messages past their retention, in the hub and every live Pemda."""
    from channels.retention import inbound_purge
    from tenants.models import Pemda, PemdaKind, PemdaStatus

    purged = inbound_purge()
    for schema in (
        Pemda.objects.exclude(kind=PemdaKind.HUB).filter(status=PemdaStatus.LIVE).values_list("schema_name", flat=True)
    ):
        with schema_context(schema):
            purged += inbound_purge()
    return purged


@hub_task(name="channels.tasks.x_mentions_poll_task", ignore_result=True)
def x_mentions_poll_task() -> int:
    """The X account's new mentions, where no webhook delivers them (settings.LAPOR_X["poll"])."""
    from channels.providers.x import x_mentions_poll

    return x_mentions_poll()
