"""Reads for the pimpinan's dashboard: the SKPD ranking of a period, trends, backlog and breaches.

Everything comes from the maintained sums (performance.models), a few hundred rows however many
reports the Pemda holds; only "overdue now" asks the public deadline index, which holds open
clocks alone, beside the breaches the SLA scan recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.cache import caches
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from complaints.models import SlaBreach
from complaints.selectors import tenant_calendar
from deadlines.models import DeadlineKind, DueDeadline
from performance.aggregate_fields import MONTH_COUNTERS
from performance.measures import MIN_REPORTS, Ranked, first_day_of_months_ago, quantile_hours, rank_units
from performance.models import UnitMonthHistogram, UnitMonthStats, UnitWeekStats
from tenants.context import current_schema

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 36


class PeriodError(ValueError):
    """A period that makes no sense; its message says why, in the reader's language."""


@dataclass(frozen=True)
class Period:
    since: date  # first day of the first month
    until: date  # first day of the last month

    @property
    def months(self) -> int:
        return (self.until.year - self.since.year) * 12 + self.until.month - self.since.month + 1


def period_from(params: dict[str, str], *, today: date | None = None) -> Period:
    """`dari`/`sampai` as YYYY-MM (default: the last six months, this one included)."""
    today = today or timezone.localdate()
    this_month = today.replace(day=1)

    def month(name: str, default: date) -> date:
        raw = params.get(name, "").strip()
        if not raw:
            return default
        found = _MONTH.match(raw)
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise PeriodError(_("Bulan %(m)s tidak sah; tulis seperti 2026-03.") % {"m": raw})
        return date(int(found.group(1)), int(found.group(2)), 1)

    since = month("dari", first_day_of_months_ago(today, 6))
    until = month("sampai", this_month)
    if since > until:
        raise PeriodError(_("Bulan awal jatuh sesudah bulan akhir."))
    if until > this_month:
        raise PeriodError(_("Periode tidak boleh melewati bulan ini."))
    period = Period(since, until)
    if period.months > MAX_MONTHS:
        raise PeriodError(_("Periode paling panjang %(n)s bulan.") % {"n": MAX_MONTHS})
    return period


@dataclass
class UnitFigures:
    unit: Unit | None  # None: reports not disposed to any unit (the verifikator's part)
    received: int = 0
    disposed: int = 0
    first_n: int = 0
    first_on_time: int = 0
    answered: int = 0
    completed: int = 0
    reopened: int = 0
    rating_sum: int = 0
    rating_n: int = 0
    breaches: int = 0
    backlog: int = 0
    overdue: int = 0
    first_hist: dict[int, int] = field(default_factory=dict)
    answer_hist: dict[int, int] = field(default_factory=dict)
    ranked: Ranked | None = None

    @property
    def on_time_share(self) -> float | None:
        return self.first_on_time / self.first_n if self.first_n else None

    @property
    def completion(self) -> float | None:
        return self.completed / self.disposed if self.disposed else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.answered if self.answered else None

    @property
    def satisfaction(self) -> float | None:
        return round(self.rating_sum / self.rating_n, 2) if self.rating_n else None

    @property
    def first_median_h(self) -> float | None:
        return quantile_hours(self.first_hist, 0.5)

    @property
    def first_p90_h(self) -> float | None:
        return quantile_hours(self.first_hist, 0.9)

    @property
    def answer_median_h(self) -> float | None:
        return quantile_hours(self.answer_hist, 0.5)

    @property
    def answer_p90_h(self) -> float | None:
        return quantile_hours(self.answer_hist, 0.9)


def _roll_up(parent: Unit | None) -> tuple[dict[int, int], dict[int, Unit]]:
    """unit id -> the unit it counts for (a top-level SKPD, or a child of `parent`), and those units."""
    depth = 1 if parent is None else parent.path.count("/")
    shown: dict[int, Unit] = {}
    owner: dict[int, int] = {}
    units = Unit.objects.all() if parent is None else Unit.objects.filter(path__startswith=parent.path)
    for unit in units.order_by("path"):
        ids = [int(part) for part in unit.path.strip("/").split("/")]
        if parent is not None and unit.pk == parent.pk:
            continue
        if len(ids) >= depth:
            head = ids[depth - 1]
            owner[unit.pk] = head
            if unit.pk == head:
                shown[head] = unit
    return owner, shown


def skpd_figures(*, period: Period, parent: Unit | None = None) -> list[UnitFigures]:
    """Every SKPD (or every child of `parent`, rolled up with its subtree) over the period, ranked."""
    owner, shown = _roll_up(parent)
    figures: dict[int, UnitFigures] = {pk: UnitFigures(unit=unit) for pk, unit in shown.items()}
    per_category: list[tuple[int, int, int, int]] = []
    sums: Any = (
        UnitMonthStats.objects.filter(month__gte=period.since, month__lte=period.until, unit_id__in=list(owner))
        .values("unit_id", "category_id")
        .annotate(**{c: Sum(c) for c in MONTH_COUNTERS})
    )
    for row in sums:
        target = figures[owner[row["unit_id"]]]
        for name in ("received", "disposed", "first_n", "first_on_time", "answered", "completed", "reopened",
                     "rating_sum", "rating_n", "breaches"):  # fmt: skip
            setattr(target, name, getattr(target, name) + row[name])
        per_category.append((owner[row["unit_id"]], row["category_id"], row["first_n"], row["first_on_time"]))
    hist: Any = (
        UnitMonthHistogram.objects.filter(month__gte=period.since, month__lte=period.until, unit_id__in=list(owner))
        .values("unit_id", "measure", "bucket")
        .annotate(n=Sum("count"))
    )
    for row in hist:
        target = figures[owner[row["unit_id"]]]
        chosen = target.first_hist if row["measure"] == "first" else target.answer_hist
        chosen[row["bucket"]] = chosen.get(row["bucket"], 0) + row["n"]
    # Backlog is now, whatever month the reports came in.
    backlog: Any = (
        UnitMonthStats.objects.filter(unit_id__in=list(owner), open__gt=0).values("unit_id").annotate(n=Sum("open"))
    )
    for row in backlog:
        figures[owner[row["unit_id"]]].backlog += row["n"]
    for unit_id, n in overdue_now_recent(owner):
        figures[owner[unit_id]].overdue += n
    ranking = rank_units(per_category)
    order = {r.unit_id: index for index, r in enumerate(ranking)}
    for r in ranking:
        if r.unit_id in figures:
            figures[r.unit_id].ranked = r
    return sorted(
        figures.values(), key=lambda f: (order.get(f.unit.pk, len(order)) if f.unit else len(order), str(f.unit))
    )


# "Overdue now" on the dashboard may be this many seconds old: at 1,000,000 reports its query
# joins ~90,000 recorded breaches with ~14,000 open clocks (~50 ms on a quiet machine), a third of
# the ranking page's time, for a figure that changes when the SLA scan runs (every minute).
OVERDUE_NOW_SECONDS = 15


def overdue_now_recent(units: Iterable[int]) -> list[tuple[int, int]]:
    """overdue_now, computed at most once per OVERDUE_NOW_SECONDS for a Pemda and a set of units
    (the default cache's keys carry the Pemda)."""
    wanted = sorted(set(units))
    bucket = int(timezone.now().timestamp() // OVERDUE_NOW_SECONDS)
    key = f"overdue-now:{bucket}:{hashlib.sha1(repr(wanted).encode()).hexdigest()}"  # noqa: S324 - a cache key
    found = caches["default"].get(key)
    if found is None:
        found = overdue_now(wanted)
        caches["default"].set(key, found, OVERDUE_NOW_SECONDS * 2)
    return [tuple(row) for row in found]


def overdue_now(units: Iterable[int]) -> list[tuple[int, int]]:
    """(unit id, reports past their first-response deadline now), in one query of two small tables.

    A response clock past due whose breach the SLA scan has recorded (SlaBreach, written with the
    unit holding the clock, within LAPOR_SLA_SCAN_SECONDS of the due time) is matched with the clock
    still open in the deadline index. Asking the reports for their unit instead fetched one row of
    the report table, at a random place, per overdue report: 14,000 of them took ~200 ms at 1,000,000
    reports (`make bench-dashboard`). A re-disposition sets a new clock, so an older breach no
    longer matches.
    """
    open_clock = DueDeadline.objects.filter(
        schema_name=current_schema(),
        kind=DeadlineKind.RESPONSE,
        due_at__lt=timezone.now(),
        report_id=OuterRef("report_id"),
        due_at=OuterRef("due_at"),
    )
    counts: Any = (
        SlaBreach.objects.filter(Exists(open_clock), kind=DeadlineKind.RESPONSE, unit_id__in=list(units))
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    return list(counts)


def pemda_totals(*, period: Period) -> dict[str, Any]:
    """The whole Pemda over the period, the verifikator's share on time included."""
    totals: Any = UnitMonthStats.objects.filter(month__gte=period.since, month__lte=period.until).aggregate(
        **{c: Sum(c) for c in MONTH_COUNTERS}
    )
    values = {k: v or 0 for k, v in totals.items()}
    values["open_now"] = UnitMonthStats.objects.aggregate(n=Sum("open"))["n"] or 0
    values["verified_share"] = values["verified_on_time"] / values["verified"] if values["verified"] else None
    values["on_time_share"] = values["first_on_time"] / values["first_n"] if values["first_n"] else None
    values["satisfaction"] = round(values["rating_sum"] / values["rating_n"], 2) if values["rating_n"] else None
    return values


def monthly_trend(*, period: Period, unit: Unit | None = None) -> list[dict[str, Any]]:
    rows = UnitMonthStats.objects.filter(month__gte=period.since, month__lte=period.until)
    if unit is not None:
        rows = rows.filter(
            unit_id__in=list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        )
    by_month: Any = rows.values("month").annotate(**{c: Sum(c) for c in MONTH_COUNTERS}).order_by("month")
    return [
        {**row, "on_time_share": row["first_on_time"] / row["first_n"] if row["first_n"] else None} for row in by_month
    ]


def weekly_trend(*, weeks: int = 12, unit: Unit | None = None) -> list[dict[str, Any]]:
    today = timezone.now().astimezone(tenant_calendar().tz).date()
    since = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = UnitWeekStats.objects.filter(week__gte=since)
    if unit is not None:
        rows = rows.filter(
            unit_id__in=list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        )
    by_week: Any = rows.values("week").annotate(
        received=Sum("received"), first_n=Sum("first_n"), first_on_time=Sum("first_on_time"), answered=Sum("answered")
    )
    found = {row["week"]: row for row in by_week}
    out = []
    for k in range(weeks):
        week = since + timedelta(weeks=k)
        row = found.get(week, {"received": 0, "first_n": 0, "first_on_time": 0, "answered": 0})
        out.append(
            {"week": week, **{k2: row[k2] for k2 in ("received", "first_n", "first_on_time", "answered")},
             "on_time_share": row["first_on_time"] / row["first_n"] if row["first_n"] else None}
        )  # fmt: skip
    return out


__all__ = ["MIN_REPORTS", "Period", "PeriodError", "UnitFigures", "period_from", "skpd_figures"]
