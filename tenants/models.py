"""The tenant registry: one Pemda row per schema (the hub is the public schema) and its domains."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name

from tenants.validators import (
    schema_name_for_code,
    validate_kemendagri_code,
    validate_schema_name,
    validate_slug,
)


class PemdaKind(models.TextChoices):
    HUB = "hub", _("Hub nasional")
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", "WIB"
    WITA = "Asia/Makassar", "WITA"
    WIT = "Asia/Jayapura", "WIT"


class PemdaStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("sedang disiapkan")
    LIVE = "live", _("aktif")
    ARCHIVED = "archived", _("diarsipkan")


class Pemda(TenantMixin):
    """A regional government (or, once, the national hub in the public schema)."""

    kind = models.CharField(_("jenis"), max_length=16, choices=PemdaKind.choices)
    code = models.CharField(_("kode Kemendagri"), max_length=5, unique=True, help_text=_("mis. 31 atau 32.73"))
    name = models.CharField(_("nama"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    timezone = models.CharField(_("zona waktu"), max_length=32, choices=TimeZone.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("provinsi induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(_("status"), max_length=16, choices=PemdaStatus.choices, default=PemdaStatus.PROVISIONING)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created explicitly by tenants.services.pemda_create, never as a save() side effect.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("Pemda")
        verbose_name_plural = _("Pemda")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_hub(self) -> bool:
        return self.schema_name == get_public_schema_name()

    @property
    def timezone_label(self) -> str:
        return TimeZone(self.timezone).label

    def clean(self) -> None:
        if self.kind == PemdaKind.HUB:
            if self.schema_name != get_public_schema_name():
                raise ValidationError({"schema_name": _("Hub nasional harus memakai skema public.")})
            return
        validate_kemendagri_code(self.code)
        validate_slug(self.slug)
        expected = schema_name_for_code(self.code)
        if self.schema_name and self.schema_name != expected:
            raise ValidationError({"schema_name": _("Skema harus %(s)s.") % {"s": expected}})
        is_province = "." not in self.code
        if is_province != (self.kind == PemdaKind.PROVINSI):
            raise ValidationError({"kind": _("Kode provinsi dua digit; kabupaten/kota berbentuk 'PP.KK'.")})
        if not is_province:
            if self.parent is None or self.parent.code != self.code.split(".")[0]:
                raise ValidationError({"parent": _("Provinsi induk harus %(p)s.") % {"p": self.code[:2]}})

    def save(self, *args: Any, **kwargs: Any) -> None:
        schema: str = self.schema_name  # type: ignore[has-type]  # declared by TenantMixin
        if self.kind != PemdaKind.HUB and not schema:
            schema = self.schema_name = schema_name_for_code(self.code)
        validate_schema_name(schema)
        super().save(*args, **kwargs)


class Domain(DomainMixin):
    """A host name that resolves to a Pemda (`jakarta.localhost`, `lapor.jakarta.go.id`)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domain")

    def __str__(self) -> str:
        return self.domain


def _monday_to_friday() -> list[int]:
    return [1, 2, 3, 4, 5]


class WorkCalendar(models.Model):
    """How a Pemda counts hari kerja for its deadlines (3 days to verify, 5 to answer, 10 to close).

    National holidays and cuti bersama come from PyPI's `holidays` (Indonesia, categories `public`
    and `government`; see tenants.calendar); this row holds what differs per Pemda: its work week,
    whether it observes cuti bersama, and regional holidays (a regional anniversary, Nyepi-adjacent
    days in Bali). The time zone is the Pemda's own.
    """

    pemda = models.OneToOneField(Pemda, on_delete=models.CASCADE, primary_key=True, related_name="calendar")
    # ISO weekdays (1 = Monday ... 7 = Sunday) on which the offices work.
    work_weekdays = ArrayField(models.PositiveSmallIntegerField(), default=_monday_to_friday, size=7)
    observes_cuti_bersama = models.BooleanField(_("mengikuti cuti bersama"), default=True)
    # [{"date": "2026-04-01", "name": "Hari Jadi Kota"}]
    regional_holidays = models.JSONField(_("hari libur daerah"), default=list, blank=True)

    class Meta:
        verbose_name = _("kalender kerja")
        verbose_name_plural = _("kalender kerja")

    def __str__(self) -> str:
        return f"kalender {self.pemda_id}"


class ChannelAddress(models.Model):
    """A number or account citizens write to (an SMS number, a WhatsApp number, an X account), and
    the Pemda that answers it (the hub for the national 1708). Like Domain for hosts."""

    kind = models.CharField(_("jenis"), max_length=16)  # "sms" | "whatsapp" | "x"
    address = models.CharField(_("alamat"), max_length=64, help_text=_("mis. 1708, +6281100001708 atau @lapor1708"))
    tenant = models.ForeignKey(Pemda, on_delete=models.CASCADE, related_name="channel_addresses")

    class Meta:
        verbose_name = _("alamat kanal")
        verbose_name_plural = _("alamat kanal")
        constraints = [models.UniqueConstraint(fields=["kind", "address"], name="channel_address_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.address} -> {self.tenant_id}"
