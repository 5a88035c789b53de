"""The SKPD tree of a Pemda, stored with a materialized path so a subtree is one indexed query."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    SEKRETARIAT = "sekretariat", _("Sekretariat")
    INSPEKTORAT = "inspektorat", _("Inspektorat")
    DINAS = "dinas", _("Dinas")
    BADAN = "badan", _("Badan")
    SATPOL = "satpol", _("Satuan Polisi Pamong Praja")
    KOTA_ADM = "kota_adm", _("Kota/Kabupaten Administrasi")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan/Desa")
    BIDANG = "bidang", _("Bidang")
    SEKSI = "seksi", _("Seksi")
    UPT = "upt", _("Unit Pelaksana Teknis")


class Unit(models.Model):
    code = models.CharField(_("kode"), max_length=32, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("singkatan"), max_length=40, blank=True)
    kind = models.CharField(_("jenis"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # "/12/40/" for unit 40 under unit 12: subtree = path LIKE '/12/%'.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("unit SKPD")
        verbose_name_plural = _("unit SKPD")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name
