"""Writes to the SKPD tree."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from agencies.models import Unit, UnitKind


@transaction.atomic
def unit_ensure(*, code: str, name: str, kind: str, short_name: str = "", parent: Unit | None = None) -> Unit:
    """Create the unit with this code, or return it unchanged if it exists (seeds re-run safely)."""
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    unit = Unit.objects.create(code=code, name=name, kind=kind, short_name=short_name, parent=parent, path="")
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


def _code_for(name: str) -> str:
    stem = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:20] or "UNIT"
    return f"{stem}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def unit_create(*, name: str, kind: str, short_name: str = "", parent: Unit | None = None) -> Unit:
    """A new unit under `parent` (at the top when None), with a code made from its name."""
    if not name.strip():
        raise ValidationError({"name": _("Nama unit wajib diisi.")})
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Jenis unit tidak dikenal.")})
    return unit_ensure(code=_code_for(name), name=name.strip(), kind=kind, short_name=short_name.strip(), parent=parent)


@transaction.atomic
def unit_rename(*, unit: Unit, name: str, short_name: str) -> Unit:
    if not name.strip():
        raise ValidationError({"name": _("Nama unit wajib diisi.")})
    unit.name, unit.short_name = name.strip(), short_name.strip()
    unit.save(update_fields=["name", "short_name"])
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Put `unit` (with its whole subtree) under `parent`; never under itself or its own subtree.

    Every path in the subtree is rewritten in one statement: reports disposed to it stay with it,
    and whoever reached it through its old branch no longer does.
    """
    if parent is not None and parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("Unit tidak dapat dipindah ke bawah dirinya sendiri.")})
    old = unit.path
    new = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(path__startswith=old).update(path=Concat(Value(new), Substr("path", len(old) + 1)))
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    unit.refresh_from_db()
    return unit


@transaction.atomic
def unit_set_active(*, unit: Unit, active: bool) -> Unit:
    """An inactive unit takes no new dispositions; what it holds stays with it."""
    unit.is_active = active
    unit.save(update_fields=["is_active"])
    return unit
