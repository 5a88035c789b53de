"""How long a channel message is kept as it came: its text, media and the provider's payload are
dropped after settings.LAPOR_CHANNEL_RETENTION_DAYS (the report made from it keeps its own text);
the row stays, with its outcome and report, as the record that the message was taken. A
question left unanswered for settings.LAPOR_CHANNEL_PENDING_HOURS is dropped from the sender's
conversation with the report text it held (channels.services no longer acts on it)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from channels.models import Conversation, InboundMessage, OutboundMessage


def inbound_purge() -> int:
    """The raw messages past their retention dropped (their number returned), and lapsed questions."""
    now = timezone.now()
    lapsed = now - timedelta(hours=settings.LAPOR_CHANNEL_PENDING_HOURS)
    # updated_at is the sender's last message: a question asked then is at least that old.
    Conversation.objects.filter(updated_at__lt=lapsed).exclude(pending={}).update(pending={})
    cutoff = now - timedelta(days=settings.LAPOR_CHANNEL_RETENTION_DAYS)
    return InboundMessage.objects.filter(created_at__lt=cutoff, purged_at__isnull=True).update(
        text="", media=[], raw={}, sender="", purged_at=timezone.now()
    )


def reports_identity_purged(*, report_ids: list[int], **_kwargs: object) -> None:
    """The reporter's number goes with their identity (complaints.dataprotection): the sealed
    sender of the messages that made or followed these reports, and the sealed recipient of the
    replies, with the keyed hashes that would still tie them to one number."""
    InboundMessage.objects.filter(report_id__in=report_ids).update(sender="", sender_hash="")
    OutboundMessage.objects.filter(report_id__in=report_ids).update(recipient="", recipient_hash="")
