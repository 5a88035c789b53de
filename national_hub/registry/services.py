"""Writes to the K/L registry and the routing rules: the seed, and the hub console's edits.

Each edit checks everything first and raises one ValidationError naming every bad field (in the
operator's language), so a refused form writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from national_hub.registry.data import DEFAULT_INSTANSI
from national_hub.registry.models import Connector, Instansi, InstansiKind, RoutingRule, RuleKind
from national_hub.routing import route_target
from sync.models import Peer


def instansi_seed(*, model: Any = None) -> int:
    """Add the default K/L that are missing; returns how many were added.

    Idempotent and additive: rows a hub operator edited or deactivated are left as they are.
    `model` lets the data migration pass its historical model.
    """
    if model is None:
        model = Instansi
    existing = set(model.objects.values_list("code", flat=True))
    rows = [
        model(code=code, name=name, acronym=acronym, kind=kind, categories=categories)
        for code, name, acronym, kind, categories in DEFAULT_INSTANSI
        if code not in existing
    ]
    model.objects.bulk_create(rows)
    return len(rows)


# --- the hub console's edits (national_hub.console_pages) ---------------------------------------------

# A K/L code is a lower-case slug that starts with a letter, so it never reads as a Kemendagri
# code (routing tries Pemda and Peer codes first) nor as the hub itself.
_KL_CODE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_CATEGORY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A Kemendagri code or its prefix: province, kabupaten/kota, kecamatan, kelurahan/desa.
_REGION_PREFIX = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
# "hub" is the hub's own party code; "baru" is the console's address for a new K/L.
_RESERVED_CODES = {"hub", "baru"}


def _categories_clean(categories: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    cleaned: list[str] = []
    for raw in categories:
        code = raw.strip().lower()
        if not code or code in cleaned:
            continue
        if len(code) > 40 or not _CATEGORY.match(code):
            errors.setdefault("categories", []).append(
                _("Kode kategori %(c)s tidak sah: huruf kecil, angka dan tanda hubung saja.") % {"c": raw.strip()}
            )
            continue
        cleaned.append(code)
    return cleaned


def _categories_owned_elsewhere(*, categories: list[str], code: str, errors: dict[str, list[str]]) -> None:
    """Each category belongs to one active K/L, so the route a category takes is never a guess."""
    others = Instansi.objects.filter(is_active=True, categories__overlap=categories).exclude(code=code)
    for other in others.order_by("name"):
        for category in sorted(set(other.categories) & set(categories)):
            errors.setdefault("categories", []).append(
                _("Kategori %(c)s sudah ditangani %(kl)s. Hapus dulu dari sana.") % {"c": category, "kl": other.acronym}
            )


def _instansi_check(
    *,
    code: str,
    name: str,
    acronym: str,
    kind: str,
    categories: Iterable[str],
    connector: str,
    is_active: bool,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "name": name.strip(),
        "acronym": acronym.strip(),
        "kind": kind,
        "connector": connector,
        "is_active": is_active,
    }
    if not values["name"]:
        errors["name"] = [_("Nama K/L wajib diisi.")]
    elif len(values["name"]) > 200:
        errors["name"] = [_("Nama K/L paling banyak 200 karakter.")]
    if not values["acronym"]:
        errors["acronym"] = [_("Singkatan wajib diisi.")]
    elif len(values["acronym"]) > 40:
        errors["acronym"] = [_("Singkatan paling banyak 40 karakter.")]
    if kind not in InstansiKind.values:
        errors["kind"] = [_("Pilih jenis: kementerian atau lembaga.")]
    if connector not in Connector.values:
        errors["connector"] = [_("Pilih penghubung: konsol hub atau sistem sendiri (webhook).")]
    values["categories"] = _categories_clean(categories, errors)
    if is_active and values["categories"]:
        _categories_owned_elsewhere(categories=values["categories"], code=code, errors=errors)
    return values, errors


@transaction.atomic
def instansi_create(
    *,
    code: str,
    name: str,
    acronym: str,
    kind: str,
    categories: Iterable[str] = (),
    connector: str = Connector.HUB_CONSOLE,
    is_active: bool = True,
) -> Instansi:
    """A new K/L in the registry; routing sends it referrals (by code or category) at once."""
    code = code.strip().lower()
    values, errors = _instansi_check(
        code=code,
        name=name,
        acronym=acronym,
        kind=kind,
        categories=categories,
        connector=connector,
        is_active=is_active,
    )
    if not _KL_CODE.match(code) or code in _RESERVED_CODES:
        errors["code"] = [_("Kode K/L: 2-40 huruf kecil, angka atau tanda hubung, diawali huruf (mis. kemenkes).")]
    elif Instansi.objects.filter(code=code).exists():
        errors["code"] = [_("Kode %(c)s sudah dipakai K/L lain.") % {"c": code}]
    elif Peer.objects.filter(code=code).exists():
        errors["code"] = [_("Kode %(c)s sudah dipakai mitra sinkronisasi lain.") % {"c": code}]
    if errors:
        raise ValidationError(errors)
    return Instansi.objects.create(code=code, **values)


@transaction.atomic
def instansi_update(
    *,
    instansi: Instansi,
    name: str,
    acronym: str,
    kind: str,
    categories: Iterable[str],
    connector: str,
    is_active: bool,
    inbox_url: str | None = None,
) -> Instansi:
    """Edit a K/L: its names, the categories it handles, how it is reached, whether it takes referrals.

    `inbox_url` changes the webhook address of the K/L's own system when it is already registered
    as a sync peer (`manage.py sync_peer` issues its signing key; the console never shows secrets).
    Referrals it already holds stay with it; a deactivated K/L gets no new ones.
    """
    instansi = Instansi.objects.select_for_update().get(pk=instansi.pk)
    values, errors = _instansi_check(
        code=instansi.code,
        name=name,
        acronym=acronym,
        kind=kind,
        categories=categories,
        connector=connector,
        is_active=is_active,
    )
    peer = Peer.objects.select_for_update().filter(code=instansi.code).first()
    if inbox_url is not None and peer is not None:
        inbox_url = inbox_url.strip()
        try:
            URLValidator(schemes=["http", "https"])(inbox_url)
        except ValidationError:
            errors["inbox_url"] = [_("Alamat webhook harus URL http:// atau https:// yang lengkap.")]
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(instansi, field, value)
    instansi.save()
    if inbox_url is not None and peer is not None and peer.inbox_url != inbox_url:
        peer.inbox_url = inbox_url
        peer.save(update_fields=["inbox_url"])
    return instansi


# RoutingRule.priority is a PositiveSmallIntegerField.
_PRIORITY_MAX = 32767


def _rule_check(
    *, kind: str, category_code: str, region_prefix: str, target_code: str, priority: int | str, is_active: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"kind": kind, "category_code": "", "region_prefix": "", "is_active": is_active}
    text = str(priority).strip()
    if not text.isdigit() or int(text) > _PRIORITY_MAX:
        errors["priority"] = [
            _("Prioritas: bilangan bulat 0 sampai %(max)s (angka kecil menang).") % {"max": _PRIORITY_MAX}
        ]
    else:
        values["priority"] = int(text)
    if kind == RuleKind.CATEGORY:
        category = category_code.strip().lower()
        if not category or len(category) > 40 or not _CATEGORY.match(category):
            errors["category_code"] = [_("Isi kode kategori (huruf kecil, angka dan tanda hubung, mis. bansos).")]
        values["category_code"] = category
    elif kind == RuleKind.LOCATION:
        prefix = region_prefix.strip()
        if not _REGION_PREFIX.match(prefix):
            errors["region_prefix"] = [_("Isi awalan kode wilayah Kemendagri (mis. 32, 32.75 atau 32.75.01).")]
        values["region_prefix"] = prefix
    else:
        errors["kind"] = [_("Pilih jenis aturan: menurut kategori atau menurut lokasi.")]
    target = target_code.strip()
    route = route_target(target) if target else None
    if route is None:
        errors["target_code"] = [
            _("Tujuan %(t)s tidak dikenal hub: isi kode K/L yang aktif atau kode Pemda yang sudah terhubung.")
            % {"t": target or _("(kosong)")}
        ]
    else:
        values["target_code"] = route.code
    return values, errors


@transaction.atomic
def routing_rule_create(
    *,
    kind: str,
    category_code: str = "",
    region_prefix: str = "",
    target_code: str,
    priority: int | str = 100,
    is_active: bool = True,
) -> RoutingRule:
    """A new routing rule; the next referral it matches follows it (national_hub.routing).

    `priority` may be the text of a form field; the lowest number wins among matching rules.
    """
    values, errors = _rule_check(
        kind=kind,
        category_code=category_code,
        region_prefix=region_prefix,
        target_code=target_code,
        priority=priority,
        is_active=is_active,
    )
    if errors:
        raise ValidationError(errors)
    return RoutingRule.objects.create(**values)


@transaction.atomic
def routing_rule_update(
    *,
    rule: RoutingRule,
    kind: str,
    category_code: str = "",
    region_prefix: str = "",
    target_code: str,
    priority: int | str,
    is_active: bool,
) -> RoutingRule:
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    values, errors = _rule_check(
        kind=kind,
        category_code=category_code,
        region_prefix=region_prefix,
        target_code=target_code,
        priority=priority,
        is_active=is_active,
    )
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(rule, field, value)
    rule.save()
    return rule


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    RoutingRule.objects.filter(pk=rule.pk).delete()
