"""Writes to the K/L registry."""

from __future__ import annotations

from typing import Any

from national_hub.registry.data import DEFAULT_INSTANSI


def instansi_seed(*, model: Any = None) -> int:
    """Add the default K/L that are missing; returns how many were added.

    Idempotent and additive: rows a hub operator edited or deactivated are left as they are.
    `model` lets the data migration pass its historical model.
    """
    if model is None:
        from national_hub.registry.models import Instansi

        model = Instansi
    existing = set(model.objects.values_list("code", flat=True))
    rows = [
        model(code=code, name=name, acronym=acronym, kind=kind, categories=categories)
        for code, name, acronym, kind, categories in DEFAULT_INSTANSI
        if code not in existing
    ]
    model.objects.bulk_create(rows)
    return len(rows)
