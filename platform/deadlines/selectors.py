"""Reads of the deadline index."""

from __future__ import annotations

from datetime import datetime

from deadlines.models import DeadlineKind, DueDeadline
from tenants.context import current_schema


def schemas_with_due_actions(*, now: datetime, limit: int = 1000) -> list[str]:
    """Schemas that have at least one clock needing action now (one indexed query)."""
    return list(
        DueDeadline.objects.filter(next_action_at__lte=now)
        .exclude(kind=DeadlineKind.CHANNEL)  # swept by channels.tasks, the hub's schema included
        .order_by()
        .values_list("schema_name", flat=True)
        .distinct()[:limit]
    )


def due_actions_here(*, now: datetime, limit: int) -> list[DueDeadline]:
    return list(
        DueDeadline.objects.filter(schema_name=current_schema(), next_action_at__lte=now)
        .exclude(kind=DeadlineKind.CHANNEL)
        .order_by("next_action_at")[:limit]
    )
