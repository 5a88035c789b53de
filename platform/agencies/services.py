"""Writes to the SKPD tree."""

from __future__ import annotations

from django.db import transaction

from agencies.models import Unit


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
