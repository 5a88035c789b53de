"""The measures of how a Pemda and its SKPD answer citizens, defined once (see the README's table).

Every measure counts reports by the local month of their submission (a cohort: a report sent in
March and answered in April counts for March, so a month's figures settle as its reports close).
Times are working time in the Pemda's own calendar and zone: office hours (08:00-16:00) of
working days (tenants.calendar.WorkingCalendar.working_minutes_between).

- received: reports submitted (a unit's: those disposed to it, in its subtree when rolled up)
- verified on time: verified within the 3 working days of the verification clock (verifikator)
- first response: from disposition to the unit's first follow-up; on time when before its due time
- final answer: from disposition to the unit's final answer
- completion: answered or closed, of those disposed
- reopened: answered reports the reporter reopened at least once
- satisfaction: the reporters' ratings (1-5), mean and count
- breaches: missed response deadlines (SlaBreach) of the unit
- open: disposed and not yet answered (the backlog)

Medians and 90th percentiles come from hour buckets (exact to the hour below 8 working hours, the
first working day; within the bucket above), so they can be kept as sums and combined over any
set of months and units.

The ranking compares each unit with what the Pemda's own record predicts for its mix of
categories (indirect standardisation): the reports it answered on time, divided by how many would
have been on time had each of its categories been answered as the Pemda as a whole answers that
category. Above 1 is better than the Pemda's norm; units are ranked on the lower end of the 95 %
interval of that ratio, so that a unit with few reports cannot reach the top by luck, and one
with fewer than MIN_REPORTS reports is "data belum cukup" rather than first or last.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tenants.calendar import WorkingCalendar

# Upper edges (in working hours, exclusive) of the histogram buckets; the last bucket is open.
BUCKET_EDGES = (1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 40, 56, 80, 120, 160, 240)
# A unit with fewer first responses in the period is not ranked.
MIN_REPORTS = 20
_Z = 1.959964  # two-sided 95 %

ANSWERED = ("answered", "closed")


def bucket_of(minutes: int) -> int:
    """The bucket a duration falls in (its index in BUCKET_EDGES; len(BUCKET_EDGES) when beyond)."""
    hours = minutes / 60
    for index, edge in enumerate(BUCKET_EDGES):
        if hours < edge:
            return index
    return len(BUCKET_EDGES)


def quantile_hours(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile of a bucket histogram, interpolated linearly inside its bucket (None when empty)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index in range(len(BUCKET_EDGES) + 1):
        count = histogram.get(index, 0)
        if count and seen + count >= rank:
            low = BUCKET_EDGES[index - 1] if index else 0
            high = BUCKET_EDGES[index] if index < len(BUCKET_EDGES) else low * 1.5
            return round(low + (high - low) * (rank - seen) / count, 1)
        seen += count
    return float(BUCKET_EDGES[-1])


def month_of(day: date) -> date:
    return day.replace(day=1)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Fact:
    """One report's contribution to the aggregates (stored as performance.ReportFact)."""

    report_id: int
    unit_id: int
    category_id: int
    month: date
    week: date
    verified: bool
    verified_on_time: bool
    disposed: bool
    first_minutes: int | None
    first_on_time: bool
    answer_minutes: int | None
    completed: bool
    reopened: bool
    rating: int | None
    breaches: int
    open: bool
    day: date | None = None  # local day of submission (the early warning's and open data's counts)
    kecamatan: str = ""


def fact_of(report: Any, *, calendar: WorkingCalendar, breaches: int, reopened: bool) -> Fact:
    """What a report (a complaints.Report, or a row with its fields) counts for, by the definitions above."""
    local_day = report.submitted_at.astimezone(calendar.tz).date()
    disposed = report.unit_id is not None and report.disposed_at is not None
    first = answer = None
    if disposed and report.first_response_at is not None:
        first = calendar.working_minutes_between(report.disposed_at, report.first_response_at)
    if disposed and report.answered_at is not None:
        answer = calendar.working_minutes_between(report.disposed_at, report.answered_at)
    verified = report.verified_at is not None
    return Fact(
        report_id=report.pk,
        unit_id=report.unit_id or 0,
        category_id=report.category_id,
        month=month_of(local_day),
        week=week_of(local_day),
        verified=verified,
        verified_on_time=verified and report.verify_due_at is not None and report.verified_at <= report.verify_due_at,
        disposed=disposed,
        first_minutes=first,
        first_on_time=bool(
            first is not None
            and report.response_due_at is not None
            and report.first_response_at <= report.response_due_at
        ),
        answer_minutes=answer,
        completed=disposed and report.status in ANSWERED,
        reopened=reopened,
        rating=report.rating,
        breaches=breaches,
        open=disposed and report.status == "disposed",
        day=local_day,
        kecamatan=(report.kecamatan or "")[:100],
    )


# --- the fair ranking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    unit_id: int
    responded: int  # first responses in the period
    on_time: int
    expected: float  # on-time first responses the Pemda's own rates predict for this mix
    ratio: float | None  # on_time / expected
    low: float | None  # conservative end of its 95 % interval (what the ranking uses)
    high: float | None
    enough: bool


def _poisson_interval(observed: int) -> tuple[float, float]:
    """Byar's approximation of the exact Poisson 95 % interval of an observed count."""
    low = 0.0 if observed == 0 else observed * (1 - 1 / (9 * observed) - _Z / (3 * math.sqrt(observed))) ** 3
    n = observed + 1
    high = n * (1 - 1 / (9 * n) + _Z / (3 * math.sqrt(n))) ** 3
    return max(0.0, low), high


def rank_units(rows: Iterable[tuple[int, Hashable, int, int]]) -> list[Ranked]:
    """Rank units from (unit_id, category_id, responded, on_time) rows of one period.

    Best first: by the lower end of the standardised ratio's interval; units without enough
    reports last, as "data belum cukup", in no judged order.
    """
    rows = list(rows)
    per_category: dict[Hashable, list[int]] = {}
    for _unit, category, responded, on_time in rows:
        total = per_category.setdefault(category, [0, 0])
        total[0] += responded
        total[1] += on_time
    rate = {c: on_time / responded for c, (responded, on_time) in per_category.items() if responded}
    units: dict[int, list[float]] = {}
    for unit, category, responded, on_time in rows:
        acc = units.setdefault(unit, [0.0, 0.0, 0.0])
        acc[0] += responded
        acc[1] += on_time
        acc[2] += responded * rate.get(category, 0.0)
    ranked = []
    for unit, (answered, timely, expected) in units.items():
        count, good = int(answered), int(timely)
        if expected > 0:
            low, high = _poisson_interval(good)
            enough = count >= MIN_REPORTS
            ranked.append(Ranked(unit, count, good, expected, good / expected, low / expected, high / expected, enough))
        else:
            ranked.append(Ranked(unit, count, good, 0.0, None, None, None, False))
    judged = sorted((r for r in ranked if r.enough), key=lambda r: (-(r.low or 0), -(r.ratio or 0), r.unit_id))
    return judged + sorted((r for r in ranked if not r.enough), key=lambda r: r.unit_id)


def first_day_of_months_ago(today: date, months: int) -> date:
    year, month = today.year, today.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def as_local_day(moment: datetime, calendar: WorkingCalendar) -> date:
    return moment.astimezone(calendar.tz).date()
