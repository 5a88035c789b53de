"""The API clients a Pemda lets file reports through Open311 (in that Pemda's schema).

A key is shown once, when a tenant admin issues it; only its SHA-256 is kept (the key is 32
random bytes, so a fast digest is as safe as a slow one). A revoked key stays listed, with who
revoked it and when, and never works again. A retried POST is recognised per client by the
digest of what it carried (`Submission`): within RETRY_WINDOW the retry gets the first answer
instead of a second report.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    name = models.CharField(_("nama klien"), max_length=120)
    # The first characters of the key, shown in the console so an admin can tell keys apart.
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.BigIntegerField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.BigIntegerField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("klien Open311")
        verbose_name_plural = _("klien Open311")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key_hash"], name="open311_key_hash_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Submission(models.Model):
    """One report filed through Open311: which client sent it and the digest of what it sent."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions")
    request_hash = models.CharField(max_length=64)
    report_id = models.BigIntegerField()
    tracking_id = models.CharField(max_length=12)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client", "request_hash", "created_at"], name="open311_submission_hash")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.tracking_id}"
