"""Citizen accounts, in the public schema: one account spans every Pemda.

A citizen signs in with a one-time code sent to a phone (SMS) or an e-mail address. The address
is never stored in the clear: a keyed hash (channels.identity.sender_hash, the same key the SMS
channel uses for its senders) finds the account, and the address itself is sealed like every
reporter identity (lapor.crypto). The app's token is knox's (django-rest-knox), which needs a
Django user: each citizen has one, without a usable password and without any membership, so it
can never sign in to the staff pages or the officers' API.

`CitizenReport` links a report (in its Pemda's schema) to the account that filed it. It is
written in the report's own transaction and read only by the citizen (`/api/v1/me/reports/`):
no officer's view reads it, so an anonim report's reporter stays unknown to every officer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    PHONE = "phone", _("nomor ponsel")
    EMAIL = "email", _("surel")


class Citizen(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen")
    phone_hash = models.CharField(max_length=64, blank=True)
    phone = models.TextField(blank=True)  # sealed (lapor.crypto)
    phone_proven_at = models.DateTimeField(null=True, blank=True)  # the last code sent to it given back
    email_hash = models.CharField(max_length=64, blank=True)
    email = models.TextField(blank=True)  # sealed (lapor.crypto)
    created_at = models.DateTimeField()
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("akun warga")
        verbose_name_plural = _("akun warga")
        constraints = [
            models.UniqueConstraint(fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="citizen_phone"),
            models.UniqueConstraint(fields=["email_hash"], condition=~models.Q(email_hash=""), name="citizen_email"),
        ]

    def __str__(self) -> str:
        return f"warga #{self.pk}"


class LoginCode(models.Model):
    """One code sent to one phone or e-mail address; only its keyed hash is kept."""

    kind = models.CharField(max_length=8, choices=ContactKind.choices)
    destination_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)  # who asked (keyed hash of the client address)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.SmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["destination_hash", "-created_at"], name="login_code_destination"),
            models.Index(fields=["client_hash", "created_at"], name="login_code_client"),
            models.Index(fields=["created_at"], name="login_code_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} code #{self.pk}"


class CodeFailure(models.Model):
    """A wrong code typed from one client address (throttles guessing across many destinations)."""

    client_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client_hash", "created_at"], name="code_failure_client")]

    def __str__(self) -> str:
        return f"failure {self.created_at:%Y-%m-%d %H:%M}"


class CitizenReport(models.Model):
    """A report filed by a signed-in citizen: which Pemda, which report there, its tracking ID."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="reports")
    tenant = models.ForeignKey("tenants.Pemda", on_delete=models.CASCADE, related_name="+")
    report_id = models.BigIntegerField()
    tracking_id = models.CharField(max_length=12)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "report_id"], name="citizen_report_once")]
        indexes = [
            models.Index(fields=["citizen", "-created_at", "-id"], name="citizen_report_newest"),
            models.Index(fields=["citizen", "tracking_id"], name="citizen_report_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id} ({self.tenant_id})"
