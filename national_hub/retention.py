"""The hub's copies of a named reporter's identity, destroyed on the Pemda's retention schedule.

A referral of a report that is not anonim carries the reporter's name, phone and e-mail (never
the NIK) to its receiver: in the origin's outbox message, in the hub's record of the referral
(re-sent when a receiver returns it and the hub routes it again), and in the hub's message to
the receiver. The receiver keeps them sealed in its own report, purged by its own schedule
(complaints.dataprotection); these JSON copies in the public schema are dropped here:
- a delivered message is a record that something was sent, and the reporter in it is needed by
  nobody once the receiver has it: dropped on the next run after delivery;
- the hub's record keeps it while the referral may still be routed again, and until the same
  period after its close as a Pemda keeps a closed report's identity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from national_hub.models import HubReferral, HubStatus
from sync.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubPurgeResult:
    referrals: int
    messages: int


@transaction.atomic
def hub_identity_purge(*, now: datetime | None = None, dry_run: bool = False) -> HubPurgeResult:
    now = now or timezone.now()
    closed_before = now - timedelta(days=settings.LAPOR_IDENTITY_RETENTION_DAYS)
    referrals = f"FROM {HubReferral._meta.db_table} WHERE status = %s AND updated_at < %s AND report ? 'reporter'"
    messages = f"FROM {OutboxMessage._meta.db_table} WHERE status = %s AND body -> 'report' ? 'reporter'"
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT count(*) {referrals}", [HubStatus.CLOSED, closed_before])
            referral_count = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) {messages}", [OutboxStatus.DELIVERED])
            return HubPurgeResult(referrals=referral_count, messages=cursor.fetchone()[0])
        cursor.execute(
            f"UPDATE {HubReferral._meta.db_table} SET report = report - 'reporter'"
            " WHERE status = %s AND updated_at < %s AND report ? 'reporter'",
            [HubStatus.CLOSED, closed_before],
        )
        referral_count = cursor.rowcount
        cursor.execute(
            f"UPDATE {OutboxMessage._meta.db_table}"
            " SET body = jsonb_set(body, '{report}', (body -> 'report') - 'reporter')"
            " WHERE status = %s AND body -> 'report' ? 'reporter'",
            [OutboxStatus.DELIVERED],
        )
        message_count = cursor.rowcount
    logger.info("hub identity purge: %d referral record(s), %d delivered message(s)", referral_count, message_count)
    return HubPurgeResult(referrals=referral_count, messages=message_count)
