"""Small template filters the pages share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """`values|get:name`: a dict's value by a variable key ("" when absent)."""
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.filter
def working_days_to(due: datetime | None) -> int:
    """Working days between now and `due` in this Pemda's calendar, either way (left, or late)."""
    if due is None:
        return 0
    from complaints.selectors import tenant_calendar

    now = timezone.now()
    return tenant_calendar().working_days_left(*sorted((now, due)))


@register.filter
def indent(depth: int) -> str:
    """Dots that show a unit's depth in a flat list of the tree (an option cannot hold markup)."""
    return "· " * max(0, int(depth))


@register.filter
def percent(share: float | None) -> str:
    """A share 0..1 as a whole percentage; "—" when there is nothing to divide."""
    if share is None or share == "":
        return "—"
    return f"{float(share) * 100:.0f}%"
