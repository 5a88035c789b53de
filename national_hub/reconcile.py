"""Reconciliation, hub side: the hub periodically asks each receiver whether it agrees about open referrals.

Everything travels as messages (no query into tenant schemas): the hub sends a `referral.probe`
with the receiver version it knows; the receiver re-sends its current state when it is ahead
(a lost or never-applied update: drift repaired), re-creates the referral when it never got it,
and otherwise answers nothing (complaints.referrals.referral_probe_apply). The hub also
re-states its own state to the origin, which applies it only when it is behind. Outcomes are
counted in the inbox (see sync_status).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from national_hub.models import HubReferral, HubStatus, TargetKind
from national_hub.referrals import ORIGIN_STATUS, hub_origin_update_write
from sync.outbox import outbox_write
from sync.parties import HUB

RECONCILE_BATCH = 500


@transaction.atomic
def reconcile_run(*, older_than: timedelta | None = None, limit: int = RECONCILE_BATCH) -> dict[str, int]:
    """Probe open referrals untouched for a while (LAPOR_SYNC_RECONCILE_AFTER_SECONDS)."""
    age = older_than if older_than is not None else timedelta(seconds=settings.LAPOR_SYNC_RECONCILE_AFTER_SECONDS)
    now = timezone.now()
    stale = list(
        HubReferral.objects.select_for_update(skip_locked=True)
        .exclude(status__in=[HubStatus.CLOSED, HubStatus.TRIAGE])
        .filter(updated_at__lte=now - age)
        .order_by("updated_at")[:limit]
    )
    counts = {"probed": 0, "restated": 0}
    for hub_ref in stale:
        if hub_ref.target_kind in (TargetKind.PEMDA, TargetKind.PEER):
            outbox_write(
                sender=HUB,
                recipient=hub_ref.target_code,
                to_party=hub_ref.target_code,
                kind="referral.probe",
                referral_key=hub_ref.referral_key,
                version=max(hub_ref.receiver_version, 1),
                body={
                    "known_version": hub_ref.receiver_version,
                    "report": hub_ref.report,
                    "origin_name": hub_ref.origin_name,
                },
            )
            counts["probed"] += 1
        if hub_ref.version > 0:
            status = ORIGIN_STATUS.get(HubStatus(hub_ref.status), "routed")
            hub_origin_update_write(hub_ref, status=status, reason=hub_ref.return_reason)
            counts["restated"] += 1
        HubReferral.objects.filter(pk=hub_ref.pk).update(updated_at=now)
    return counts
