"""Messages of the citizen channels, in the schema of the Pemda (or the hub) whose number they reached.

An inbound message is kept as it came (for audit, until its retention ends: channels.retention)
and is unique per provider and provider message id, so a gateway's retry creates nothing new.
An outbound message is one text to one citizen through one provider, sent (and re-sent with
back-off) by channels.outbound; a notification is sent through a channel at most once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    REPORT = "report", _("laporan baru")
    STATUS = "status", _("pertanyaan status")
    REPLY = "reply", _("balasan pelapor")
    HELP = "help", _("bantuan")
    QUESTION = "question", _("ditanya tempatnya")
    REFUSED = "refused", _("ditolak")
    LIMITED = "limited", _("dibatasi")
    CONFIRM = "confirm", _("menunggu konfirmasi")
    IGNORED = "ignored", _("diabaikan")


class InboundMessage(models.Model):
    provider = models.CharField(max_length=16)  # kannel | twilio | whatsapp | x
    provider_message_id = models.CharField(max_length=128)
    address = models.CharField(max_length=64)  # our number or account it reached
    sender_hash = models.CharField(max_length=64)  # channels.identity.sender_hash
    sender = models.TextField()  # sealed (lapor.crypto)
    text = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField()
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    report_id = models.BigIntegerField(null=True, blank=True)
    tracking_id = models.CharField(max_length=12, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)  # text, media and raw dropped after retention

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_once_per_provider_id")
        ]
        indexes = [
            models.Index(fields=["report_id"], name="inbound_report", condition=models.Q(report_id__isnull=False)),
            models.Index(fields=["created_at"], name="inbound_created"),
            models.Index(fields=["provider", "sender_hash", "-created_at"], name="inbound_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_message_id} [{self.outcome}]"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("antre")
    SENT = "sent", _("terkirim ke penyedia")
    DELIVERED = "delivered", _("sampai")
    FAILED = "failed", _("gagal")


class OutboundMessage(models.Model):
    provider = models.CharField(max_length=16)
    address = models.CharField(max_length=64)  # sent from (the number the citizen wrote to)
    recipient = models.TextField()  # sealed
    recipient_hash = models.CharField(max_length=64)
    text = models.TextField()
    parts = models.SmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.SmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_ids = models.JSONField(default=list, blank=True)
    in_reply_to = models.ForeignKey(InboundMessage, null=True, blank=True, on_delete=models.SET_NULL)
    notification_id = models.BigIntegerField(null=True, blank=True, unique=True)
    report_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbound_due", condition=models.Q(status="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.provider} #{self.pk} [{self.status}]"


class Conversation(models.Model):
    """What the platform waits for from one sender on one provider, and how much it sent lately."""

    provider = models.CharField(max_length=16)
    sender_hash = models.CharField(max_length=64)
    # {"kind": "place", "text": ..., "asked": n} (the hub asks where), or
    # {"kind": "confirm", "text": ...} (a first WhatsApp message waits for "YA").
    pending = models.JSONField(default=dict, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "sender_hash"], name="conversation_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.sender_hash[:8]}"


class PollCursor(models.Model):
    """Where a polling fetcher stopped (X mentions: the newest post id taken), kept in the hub's schema."""

    provider = models.CharField(max_length=16)
    account = models.CharField(max_length=64)
    since_id = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "account"], name="poll_cursor_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account} since {self.since_id}"
