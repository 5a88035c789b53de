"""The hub's side of the performance figures: each Pemda's monthly totals as it last sent them,
and the national league table computed from them (never by reading a Pemda's schema)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from national_hub.models import PemdaStatsMonth

TOTALS = ("received", "first_n", "first_on_time", "answered", "completed", "disposed", "rating_sum", "rating_n",
          "breaches", "open")  # fmt: skip


@transaction.atomic
def pemda_stats_receive(*, message: dict[str, Any]) -> str:
    """Keep each month of the message unless the hub already holds a newer version of it."""
    body = message["body"]
    pemda, version = str(body.get("pemda", "")), int(message["version"])
    applied = 0
    for raw_month, figures in sorted((body.get("months") or {}).items()):
        month = date.fromisoformat(raw_month)
        current = PemdaStatsMonth.objects.select_for_update().filter(pemda_code=pemda, month=month).first()
        if current is not None and current.version >= version:
            continue
        categories = figures.get("categories") or {}
        totals = {name: sum(int(c.get(name, 0)) for c in categories.values()) for name in TOTALS}
        PemdaStatsMonth.objects.update_or_create(
            pemda_code=pemda,
            month=month,
            defaults={
                "pemda_name": str(body.get("name", ""))[:200],
                "version": version,
                "categories": categories,
                "first_hist": figures.get("first") or {},
                "answer_hist": figures.get("answer") or {},
                "updated_at": timezone.now(),
                **totals,
            },
        )
        applied += 1
    return "applied" if applied else "stale"


def league_rows(*, since: date, until: date) -> list[dict[str, Any]]:
    """Per Pemda, the sums of the months in [since, until]: one grouped query over the hub's table."""
    rows: Any = (
        PemdaStatsMonth.objects.filter(month__gte=since, month__lte=until)
        .values("pemda_code")
        .annotate(**{name: Sum(name) for name in TOTALS})
        .order_by("pemda_code")
    )
    return list(rows)
