"""The hub's triage queue: referrals no rule could route wait here for a hub operator, with an SLA."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from national_hub.models import HubReferral, HubStatus
from tenants.models import PemdaKind

logger = logging.getLogger(__name__)


def triage_counts() -> dict[str, int]:
    """The hub triage queue and how much of it is past its SLA (LAPOR_HUB_TRIAGE_HOURS)."""
    queue = HubReferral.objects.filter(status=HubStatus.TRIAGE)
    return {"triage": queue.count(), "triage_overdue": queue.filter(triage_due_at__lt=timezone.now()).count()}


def hub_triage_escalate(*, now: datetime | None = None) -> int:
    """Alert the hub operators, once per referral, about triage items past their SLA.

    Returns how many items were escalated. The alert is sent while this transaction holds the
    items' rows and before they are marked: a failed send leaves them for the next run, and a
    crash between send and commit repeats one alert at most. The mark stays after the item is
    routed, as the record of the breach.
    """
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            HubReferral.objects.select_for_update(skip_locked=True)
            .filter(status=HubStatus.TRIAGE, triage_due_at__lt=now, triage_escalated_at__isnull=True)
            .order_by("triage_due_at")
        )
        if not overdue:
            return 0
        recipients = sorted(
            set(
                Membership.objects.filter(role=Role.HUB_OPERATOR, is_active=True, tenant__kind=PemdaKind.HUB)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        lines = [
            _("- %(tid)s %(title)s (dari %(origin)s; batas triase %(due)s)")
            % {
                "tid": r.tracking_id,
                "title": r.title,
                "origin": r.origin_name or r.origin,
                "due": timezone.localtime(r.triage_due_at).strftime("%d-%m-%Y %H:%M"),
            }
            for r in overdue
        ]
        if recipients:
            send_mail(
                subject=_("[LAPOR!] %(n)s rujukan di antrean triase melewati batas waktu") % {"n": len(overdue)},
                message=_(
                    "Rujukan berikut belum diarahkan ke instansi mana pun dan sudah melewati batas waktu triase hub:"
                )
                + "\n\n"
                + "\n".join(lines)
                + "\n\n"
                + _("Arahkan melalui konsol hub."),
                from_email=None,
                recipient_list=recipients,
            )
        else:
            logger.error("hub triage: %d items past their SLA and no hub operator to alert", len(overdue))
        HubReferral.objects.filter(pk__in=[r.pk for r in overdue]).update(triage_escalated_at=now)
    logger.warning("hub triage: %d items past their SLA escalated to %d operators", len(overdue), len(recipients))
    return len(overdue)
