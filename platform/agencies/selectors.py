"""Reads of the SKPD tree."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Unit


def unit_subtree(*, unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it."""
    return Unit.objects.filter(path__startswith=unit.path)
