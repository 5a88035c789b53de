"""The Pemda's monthly totals for the hub's league tables, sent through sync (kind `stats.update`).

The hub never reads a Pemda's schema: each drain that changed some months sends their totals,
whole (by category, with the time histograms), under the drain's cursor as version, so a late or
repeated message is harmless at the hub (national_hub.inbound.stats_update).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Sum

from complaints.models import Category
from performance.aggregate_fields import MONTH_COUNTERS
from performance.models import UnitMonthHistogram, UnitMonthStats
from sync.outbox import outbox_write
from sync.parties import HUB, current_party, upstream
from tenants.context import current_tenant


def pemda_month_totals(months: set[date]) -> dict[str, Any]:
    codes = dict(Category.objects.values_list("pk", "code"))
    totals: dict[str, Any] = {m.isoformat(): {"categories": {}, "first": {}, "answer": {}} for m in months}
    rows: Any = (
        UnitMonthStats.objects.filter(month__in=months)
        .values("month", "category_id")
        .annotate(**{c: Sum(c) for c in MONTH_COUNTERS})
    )
    for row in rows:
        totals[row["month"].isoformat()]["categories"][codes.get(row["category_id"], "?")] = {
            c: row[c] for c in MONTH_COUNTERS
        }
    hist: Any = UnitMonthHistogram.objects.filter(month__in=months).values("month", "measure", "bucket")
    for row in hist.annotate(n=Sum("count")):
        totals[row["month"].isoformat()][row["measure"]][str(row["bucket"])] = row["n"]
    return totals


def pemda_totals_send(*, months: set[date], version: int) -> None:
    party = current_party()
    outbox_write(
        sender=party,
        recipient=upstream() or HUB,
        to_party=HUB,
        kind="stats.update",
        referral_key=f"stats/{party}",
        version=max(1, version),
        body={"pemda": party, "name": current_tenant().name, "months": pemda_month_totals(months)},
    )
