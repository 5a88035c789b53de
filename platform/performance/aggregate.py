"""Keeping the aggregates up to date from the audit trail, and rebuilding them from scratch.

Every change of a report appends an audit event in its transaction (complaints.audit), intake
included, so the trail is already an ordered outbox of changes: nothing more is written on the
citizen's path. A drain (a task queued on commit through a relay, and the SLA scan as a backstop)
takes the events after the cursor, recounts the reports they name (performance.measures.fact_of)
and applies each report's difference to the sums, in one transaction with the cursor. Audit
events are numbered in commit order (the append holds the Pemda's chain lock until commit), so
no change is passed over; a replay recounts a report whose difference is then zero.

Written here rather than with a library: the sums are plain upserts of differences, and no
aggregation package knows the working-time rules of a Pemda.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from complaints.models import AuditEvent, Report, SlaBreach
from complaints.selectors import tenant_calendar
from deadlines.models import DeadlineKind
from performance.aggregate_fields import MONTH_COUNTERS
from performance.measures import Fact, bucket_of, fact_of
from performance.models import (
    AreaDayStats,
    ReportFact,
    SpikeAlert,
    StatsCursor,
    UnitMonthHistogram,
    UnitMonthStats,
    UnitWeekStats,
)
from performance.warning import spikes_check, spikes_notify

logger = logging.getLogger(__name__)

# Events per drain transaction: a burst after an outage is worked off in several, each short.
DRAIN_BATCH = 5000
_MONTH_COUNTERS = MONTH_COUNTERS
_WEEK_COUNTERS = ("received", "first_n", "first_on_time", "answered")
_FACT_FIELDS = [f.name for f in fields(Fact)]


def _month_values(fact: Fact) -> dict[str, int]:
    return {
        "received": 1,
        "verified": int(fact.verified),
        "verified_on_time": int(fact.verified_on_time),
        "disposed": int(fact.disposed),
        "first_n": int(fact.first_minutes is not None),
        "first_on_time": int(fact.first_on_time),
        "answered": int(fact.answer_minutes is not None),
        "completed": int(fact.completed),
        "reopened": int(fact.reopened),
        "rating_sum": fact.rating or 0,
        "rating_n": int(fact.rating is not None),
        "breaches": fact.breaches,
        "open": int(fact.open),
    }


class Deltas:
    """Differences to add to the sums, gathered over a batch of reports."""

    def __init__(self) -> None:
        self.month: dict[tuple[int, int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_MONTH_COUNTERS, 0))
        self.week: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_WEEK_COUNTERS, 0))
        self.hist: dict[tuple[int, date, str, int], int] = defaultdict(int)
        self.area: dict[tuple[date, int, str], int] = defaultdict(int)

    def add(self, fact: Fact, sign: int) -> None:
        month = self.month[(fact.unit_id, fact.category_id, fact.month)]
        for name, value in _month_values(fact).items():
            month[name] += sign * value
        week = self.week[(fact.unit_id, fact.week)]
        week["received"] += sign
        week["first_n"] += sign * int(fact.first_minutes is not None)
        week["first_on_time"] += sign * int(fact.first_on_time)
        week["answered"] += sign * int(fact.answer_minutes is not None)
        if fact.first_minutes is not None:
            self.hist[(fact.unit_id, fact.month, "first", bucket_of(fact.first_minutes))] += sign
        if fact.answer_minutes is not None:
            self.hist[(fact.unit_id, fact.month, "answer", bucket_of(fact.answer_minutes))] += sign
        if fact.day is not None:
            self.area[(fact.day, fact.category_id, fact.kecamatan)] += sign

    def months(self) -> set[date]:
        return {month for (_u, _c, month), values in self.month.items() if any(values.values())}

    def days(self) -> set[tuple[date, int, str]]:
        """The (day, category, kecamatan) counts that changed."""
        return {key for key, count in self.area.items() if count}

    def write(self) -> None:
        month = [(k, v) for k, v in self.month.items() if any(v.values())]
        if month:
            sums_add(
                UnitMonthStats._meta.db_table,
                ("unit_id", "category_id", "month"),
                _MONTH_COUNTERS,
                [(*key, *(values[c] for c in _MONTH_COUNTERS)) for key, values in month],
                ("bigint", "bigint", "date", *("int",) * len(_MONTH_COUNTERS)),
            )
        week = [(k, v) for k, v in self.week.items() if any(v.values())]
        if week:
            sums_add(
                UnitWeekStats._meta.db_table,
                ("unit_id", "week"),
                _WEEK_COUNTERS,
                [(*key, *(values[c] for c in _WEEK_COUNTERS)) for key, values in week],
                ("bigint", "date", *("int",) * len(_WEEK_COUNTERS)),
            )
        hist = [(*key, count) for key, count in self.hist.items() if count]
        if hist:
            sums_add(
                UnitMonthHistogram._meta.db_table,
                ("unit_id", "month", "measure", "bucket"),
                ("count",),
                hist,
                ("bigint", "date", "text", "smallint", "int"),
            )
        area = [(*key, count) for key, count in self.area.items() if count]
        if area:
            sums_add(
                AreaDayStats._meta.db_table,
                ("day", "category_id", "kecamatan"),
                ("received",),
                area,
                ("date", "bigint", "text", "int"),
            )


def sums_add(
    table: str, keys: tuple[str, ...], counters: tuple[str, ...], rows: list[tuple[Any, ...]], types: tuple[str, ...]
) -> None:
    """Add `rows`' counters to the sums, one statement: INSERT … SELECT unnest … ON CONFLICT DO UPDATE."""
    columns = (*keys, *counters)
    arrays = [list(column) for column in zip(*rows, strict=True)]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    update = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in counters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({unnest})"
            f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}",
            arrays,
        )


def _facts_now(report_ids: Iterable[int]) -> dict[int, Fact]:
    ids = list(report_ids)
    calendar = tenant_calendar()
    breaches = dict(
        SlaBreach.objects.filter(report_id__in=ids, kind=DeadlineKind.RESPONSE)
        .values("report_id")
        .annotate(n=Count("id"))
        .values_list("report_id", "n")
    )
    reopened = set(AuditEvent.objects.filter(report_id__in=ids, action="reopened").values_list("report_id", flat=True))
    columns = (
        "id", "unit_id", "category_id", "status", "submitted_at", "verified_at", "verify_due_at", "disposed_at",
        "first_response_at", "response_due_at", "answered_at", "rating", "kecamatan",
    )  # fmt: skip
    return {
        r.pk: fact_of(r, calendar=calendar, breaches=breaches.get(r.pk, 0), reopened=r.pk in reopened)
        for r in Report.objects.filter(pk__in=ids).only(*columns)
    }


def _fact_from_row(row: ReportFact) -> Fact:
    return Fact(**{name: getattr(row, name) for name in _FACT_FIELDS})


def stats_recount(report_ids: Iterable[int]) -> Deltas:
    """Count these reports again and apply the differences; returns them (the months and days changed).

    Call inside a transaction that holds the cursor (stats_drain) or the whole rebuild.
    """
    ids = sorted(set(report_ids))
    before = {row.report_id: _fact_from_row(row) for row in ReportFact.objects.filter(report_id__in=ids)}
    after = _facts_now(ids)
    deltas = Deltas()
    changed = []
    for report_id in ids:
        old, new = before.get(report_id), after.get(report_id)
        if old == new:
            continue
        if old is not None:
            deltas.add(old, -1)
        if new is not None:
            deltas.add(new, +1)
            changed.append(ReportFact(**asdict(new)))
    deltas.write()
    if changed:
        ReportFact.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["report_id"], update_fields=_FACT_FIELDS[1:]
        )
    gone = [i for i in before if i not in after]
    if gone:
        ReportFact.objects.filter(report_id__in=gone).delete()
    return deltas


def stats_drain(*, batch: int = DRAIN_BATCH) -> int:
    """Count the reports changed since the cursor; returns how many events were taken.

    Several drains of one Pemda wait for each other on the cursor row, so each event is taken once.
    """
    taken = 0
    while True:
        with transaction.atomic():
            cursor, _created = StatsCursor.objects.select_for_update().get_or_create(pk=1)
            events = list(
                AuditEvent.objects.filter(pk__gt=cursor.last_event_id)
                .order_by("pk")
                .values_list("pk", "report_id")[:batch]
            )
            if not events:
                return taken
            deltas = stats_recount(r for _pk, r in events if r is not None)
            months = deltas.months()
            spikes_check(deltas.days())
            cursor.last_event_id = events[-1][0]
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_event_id", "updated_at"])
            stats_published(months=months, version=cursor.last_event_id)
        taken += len(events)
        if len(events) < batch:
            if SpikeAlert.objects.filter(notified_at__isnull=True).exists():
                spikes_notify()
            return taken


@transaction.atomic
def stats_rebuild() -> int:
    """Forget every sum and count every report again from the reports themselves."""
    ReportFact.objects.all().delete()
    UnitMonthStats.objects.all().delete()
    UnitMonthHistogram.objects.all().delete()
    UnitWeekStats.objects.all().delete()
    AreaDayStats.objects.all().delete()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = list(Report.objects.order_by("pk").values_list("pk", flat=True))
    months: set[date] = set()
    for start in range(0, len(ids), DRAIN_BATCH):
        months |= stats_recount(ids[start : start + DRAIN_BATCH]).months()
    StatsCursor.objects.update_or_create(pk=1, defaults={"last_event_id": last, "updated_at": timezone.now()})
    stats_published(months=months, version=last)
    return len(ids)


def stats_published(*, months: set[date], version: int) -> None:
    """Tell the hub the Pemda's new totals of these months (its league tables), through sync."""
    if not months:
        return
    from performance.hub import pemda_totals_send

    pemda_totals_send(months=months, version=version)
