"""Sync tables, all in the public schema so one indexed query finds pending work in any Pemda.

A Pemda's transaction writes them directly (its search_path is "tenant, public"), the same
pattern as the public SLA deadline index. They hold messages, peers and keys only: what a
message means is kept by its owner (national_hub for the hub, complaints for a Pemda).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

# The party code of the hub in its own deployment; Pemda are named by Kemendagri code, K/L by
# registry code, other deployments by the Peer code they were given at the hub.
HUB = "hub"


class Transport(models.TextChoices):
    HTTP = "http", _("HTTP (deployment lain atau sistem K/L)")


class Peer(models.Model):
    """Another deployment or a K/L's own system that exchanges signed messages over HTTP."""

    code = models.CharField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    transport = models.CharField(max_length=16, choices=Transport.choices, default=Transport.HTTP)
    inbox_url = models.URLField(_("URL inbox"), max_length=300, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("mitra sinkronisasi")
        verbose_name_plural = _("mitra sinkronisasi")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class PeerKey(models.Model):
    """A signing key shared with one peer. The newest active key signs; every active key verifies.

    Rotation: issue a new key, give it to the peer, then retire the old one.
    """

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=32, unique=True)
    # Sealed with the project's keys (lapor.crypto, PEER_SECRET): read through sync.signing only.
    secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kunci mitra")
        verbose_name_plural = _("kunci mitra")

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.key_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu dikirim")
    DELIVERED = "delivered", _("Terkirim")
    DEAD = "dead", _("Gagal (dead letter)")


class OutboxMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    sender = models.CharField(max_length=40)
    # Where the transport takes it (a local party or a Peer) and the party it is for over there.
    recipient = models.CharField(max_length=40)
    to_party = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    referral_key = models.CharField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The request (or task) that wrote it (lapor.logs): the receiver's log lines carry it too.
    # db_default: code of the previous release, still running during an upgrade, inserts without it.
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("pesan keluar")
        indexes = [
            # The sweeper's one query: due pending messages of any Pemda, whatever the tenant count.
            models.Index(fields=["next_attempt_at"], name="outbox_pending_due", condition=models.Q(status="pending")),
            models.Index(fields=["recipient", "status"], name="outbox_recipient_status"),
            models.Index(fields=["referral_key"], name="outbox_referral"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sender}->{self.recipient} v{self.version} [{self.status}]"


class InboxMessage(models.Model):
    """A message this deployment has applied; a second delivery of the same id is acknowledged only."""

    message_id = models.UUIDField(primary_key=True)
    sender = models.CharField(max_length=40)
    to_party = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    referral_key = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    outcome = models.CharField(max_length=40)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} -> {self.to_party}: {self.outcome}"


class SeenNonce(models.Model):
    """Nonces of signed HTTP messages inside the accepted time window: a replay is refused."""

    peer_code = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer_code", "nonce"], name="nonce_once_per_peer")]
        indexes = [models.Index(fields=["seen_at"], name="nonce_seen_at")]

    def __str__(self) -> str:
        return f"{self.peer_code}:{self.nonce}"
