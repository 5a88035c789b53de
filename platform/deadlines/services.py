"""Writes to the public deadline index; called inside the report service's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from deadlines.models import DeadlineKind, DueDeadline, Stage
from tenants.context import current_schema

# Officers get a reminder this long before a verification or response deadline.
REMINDER_LEAD = timedelta(hours=24)


def deadline_set(*, report_id: int, kind: str, due_at: datetime) -> None:
    """Start (or restart) a clock. Autoclose clocks need no reminder; the others get one."""
    deadlines_set(clocks=[(report_id, kind, due_at)])


def deadlines_set(*, clocks: Iterable[tuple[int, str, datetime]]) -> None:
    """Start (or restart) clocks of this Pemda's reports, given as (report id, kind, due time)."""
    schema = current_schema()
    # One INSERT ... ON CONFLICT DO UPDATE: no read, no savepoint, on the intake's hot path.
    DueDeadline.objects.bulk_create(
        [
            DueDeadline(
                schema_name=schema,
                report_id=report_id,
                kind=kind,
                due_at=due_at,
                stage=Stage.PENDING,
                next_action_at=due_at if kind == DeadlineKind.AUTOCLOSE else due_at - REMINDER_LEAD,
            )
            for report_id, kind, due_at in clocks
        ],
        update_conflicts=True,
        unique_fields=["schema_name", "report_id", "kind"],
        update_fields=["due_at", "stage", "next_action_at"],
    )


def deadlines_clear(*, report_ids: list[int], kinds: list[str]) -> None:
    """Stop clocks of several of this Pemda's reports at once."""
    DueDeadline.objects.filter(schema_name=current_schema(), report_id__in=report_ids, kind__in=kinds).delete()


# The per-tenant clock that brings the sweep back for notifications whose relay batch was lost.
# One statement, used on its own and as a CTE of intake's single INSERT (complaints.intake); it
# runs in the tenant's search path, so PostgreSQL's current_schema() names the Pemda.
NOTIFY_CLOCK_SQL = (
    "INSERT INTO deadlines_duedeadline (schema_name, report_id, kind, due_at, stage, next_action_at)"
    f" VALUES (current_schema(), 0, '{DeadlineKind.NOTIFY.value}', %s, {int(Stage.PENDING)}, %s)"
    " ON CONFLICT (schema_name, report_id, kind) DO NOTHING"
)


def notify_clock_params(*, at: datetime) -> list[Any]:
    return [at, at]


def deadline_clear(*, report_id: int, kinds: list[str] | None = None) -> None:
    rows = DueDeadline.objects.filter(schema_name=current_schema(), report_id=report_id)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    rows.delete()


def deadline_advance(*, deadline_id: int, from_stage: int, to_stage: int, next_action_at: datetime | None) -> bool:
    """Move a clock to its next stage; False when another worker already did (claim by conditional UPDATE)."""
    return (
        DueDeadline.objects.filter(pk=deadline_id, stage=from_stage).update(
            stage=to_stage, next_action_at=next_action_at
        )
        == 1
    )


# The channel sweep's clock (one row per schema), at `at` at the latest: also a CTE of the
# statement that keeps an SMS reply (channels.services).
_CHANNEL_CLOCK = (
    "INSERT INTO deadlines_duedeadline (schema_name, report_id, kind, due_at, stage, next_action_at)"
    " {rows} ON CONFLICT (schema_name, report_id, kind) DO UPDATE"
    " SET next_action_at = LEAST(deadlines_duedeadline.next_action_at, EXCLUDED.next_action_at)"
)
_CHANNEL_CLOCK_ROW = f"current_schema(), 0, '{DeadlineKind.CHANNEL.value}', %s, {int(Stage.PENDING)}, %s"
CHANNEL_CLOCK_SQL = _CHANNEL_CLOCK.format(rows=f"VALUES ({_CHANNEL_CLOCK_ROW})")
# The same, written only where the intake's statement wrote its report (`r`).
CHANNEL_CLOCK_WITH_REPORT_SQL = _CHANNEL_CLOCK.format(rows=f"SELECT {_CHANNEL_CLOCK_ROW} FROM r")


def channel_clock_arm(*, at: datetime) -> None:
    """Bring the channel sweep to this schema at `at` at the latest (one row per schema)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CHANNEL_CLOCK_SQL, [at, at])


def channel_clocks_due(*, now: datetime) -> list[str]:
    """Schemas whose channel messages are due (the hub's public schema included)."""
    return list(
        DueDeadline.objects.filter(kind=DeadlineKind.CHANNEL, next_action_at__lte=now).values_list(
            "schema_name", flat=True
        )
    )


def channel_clock_rearm(*, next_at: datetime | None) -> None:
    """After a sweep of this schema: come back at `next_at`, or forget the schema (nothing queued)."""
    rows = DueDeadline.objects.filter(schema_name=current_schema(), report_id=0, kind=DeadlineKind.CHANNEL)
    if next_at is None:
        rows.delete()
    else:
        rows.update(next_action_at=next_at)
