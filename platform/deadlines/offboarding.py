"""A Pemda's SLA clocks travel with its export (tenants.offboarding): they live in the public
schema, keyed by the Pemda's schema name, so pg_dump of its schema alone would lose them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deadlines.models import DueDeadline
from tenants.offboarding import PublicRows, public_rows_register

_FIELDS = ("report_id", "kind", "due_at", "stage", "next_action_at")


def _read(schema: str) -> list[dict[str, Any]]:
    rows = DueDeadline.objects.filter(schema_name=schema).order_by("report_id", "kind").values(*_FIELDS)
    return [
        {
            **row,
            "due_at": row["due_at"].isoformat(),
            "next_action_at": row["next_action_at"] and row["next_action_at"].isoformat(),
        }
        for row in rows
    ]


def _write(schema: str, rows: list[dict[str, Any]]) -> None:
    DueDeadline.objects.bulk_create(
        DueDeadline(
            schema_name=schema,
            report_id=row["report_id"],
            kind=row["kind"],
            due_at=datetime.fromisoformat(row["due_at"]),
            stage=row["stage"],
            next_action_at=datetime.fromisoformat(row["next_action_at"]) if row["next_action_at"] else None,
        )
        for row in rows
    )


def _drop(schema: str) -> None:
    DueDeadline.objects.filter(schema_name=schema).delete()


def register() -> None:
    public_rows_register("deadlines_duedeadline", PublicRows(read=_read, write=_write, drop=_drop))
