"""National ministries and institutions (K/L) and the hub's routing rules, both plain editable rows.

The registry starts with 54 K/L (registry.data) and grows in the hub console without code changes.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstansiKind(models.TextChoices):
    KEMENTERIAN = "kementerian", _("Kementerian")
    LEMBAGA = "lembaga", _("Lembaga")


class Connector(models.TextChoices):
    # Officers of the K/L hold memberships at the hub and work in the hub console.
    HUB_CONSOLE = "hub_console", _("Konsol hub")
    # The K/L runs its own system: signed webhooks out, status updates back through the API.
    WEBHOOK = "webhook", _("Sistem sendiri (webhook)")


class Instansi(models.Model):
    """One national ministry or institution that receives referrals."""

    code = models.SlugField(_("kode"), max_length=40, unique=True, help_text=_("mis. kemenkes"))
    name = models.CharField(_("nama"), max_length=200)
    acronym = models.CharField(_("singkatan"), max_length=40)
    kind = models.CharField(_("jenis"), max_length=16, choices=InstansiKind.choices)
    categories = ArrayField(
        models.SlugField(max_length=40), default=list, blank=True, verbose_name=_("kategori yang ditangani")
    )
    connector = models.CharField(
        _("penghubung"), max_length=16, choices=Connector.choices, default=Connector.HUB_CONSOLE
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("K/L")
        verbose_name_plural = _("K/L")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.acronym} ({self.name})"


class RuleKind(models.TextChoices):
    CATEGORY = "category", _("Menurut kategori")
    LOCATION = "location", _("Menurut lokasi")


class RoutingRule(models.Model):
    """Where the hub sends a referral that names no known receiver; lowest priority number wins."""

    kind = models.CharField(_("jenis"), max_length=16, choices=RuleKind.choices)
    category_code = models.SlugField(_("kategori"), max_length=40, blank=True)
    region_prefix = models.CharField(_("awalan kode wilayah"), max_length=13, blank=True)
    target_code = models.CharField(
        _("tujuan"), max_length=40, help_text=_("kode K/L (mis. kemenkes) atau kode Kemendagri Pemda (mis. 32.75)")
    )
    priority = models.PositiveSmallIntegerField(_("prioritas"), default=100)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("aturan rute")
        verbose_name_plural = _("aturan rute")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        key = self.category_code if self.kind == RuleKind.CATEGORY else self.region_prefix
        return f"{self.kind}:{key} -> {self.target_code}"
