"""Per-tenant memberships: what a login may do in one Pemda (or at the hub)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HUB_OPERATOR = "hub_operator", _("Operator hub nasional")
    KL_OFFICER = "kl_officer", _("Petugas K/L")
    TENANT_ADMIN = "tenant_admin", _("Admin Pemda")
    VERIFIKATOR = "verifikator", _("Verifikator")
    UNIT_HEAD = "unit_head", _("Kepala unit SKPD")
    UNIT_OFFICER = "unit_officer", _("Petugas unit SKPD")
    PIMPINAN = "pimpinan", _("Pimpinan")
    AUDITOR = "auditor", _("Auditor")


class Membership(models.Model):
    """One role of one user in one tenant; `unit_id` names an SKPD unit inside that tenant's schema.

    The unit lives in the tenant schema, so it is referenced by id rather than by a foreign key
    (a public table cannot point into 552 schemas).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey("tenants.Pemda", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    unit_id = models.BigIntegerField(_("unit SKPD"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("keanggotaan")
        verbose_name_plural = _("keanggotaan")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant", "role"],
                condition=models.Q(unit_id__isnull=True),
                name="membership_unique_role_without_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "tenant", "role", "unit_id"],
                condition=models.Q(unit_id__isnull=False),
                name="membership_unique_role_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="membership_tenant_user")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role}"


class LoginLink(models.Model):
    """A one-time link that logs a user in on one Pemda's host (the first admin of a new Pemda).

    Only a SHA-256 of the token is stored: the link itself is shown once, to whoever onboarded
    the Pemda, and a database dump does not contain usable links.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_links")
    tenant = models.ForeignKey("tenants.Pemda", on_delete=models.CASCADE, related_name="login_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tautan masuk sekali pakai")
        verbose_name_plural = _("tautan masuk sekali pakai")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id} ({'terpakai' if self.used_at else 'belum dipakai'})"
