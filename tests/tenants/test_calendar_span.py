"""Counting working days over long spans (a queue's old backlog) agrees with counting day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tenants.calendar import WorkingCalendar


def _day_by_day(calendar: WorkingCalendar, start: date, end: date) -> int:
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += calendar.is_working_day(current)
    return count


def test_the_week_arithmetic_counts_what_the_calendar_says_day_by_day() -> None:
    rng = random.Random(20261204)
    for _ in range(200):
        calendar = WorkingCalendar(
            tz=ZoneInfo("Asia/Makassar"),
            # A regional holiday on a weekday, a substitute working Saturday, a holiday on a weekend.
            extra_holidays=frozenset({date(2025, 3, 3), date(2026, 6, 6)}),
            extra_working_days=frozenset({date(2025, 3, 8), date(2026, 1, 1)}),
            work_weekdays=frozenset(rng.sample(range(1, 8), rng.randint(4, 6))),
            cuti_bersama=rng.random() < 0.5,
        )
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
        end = start + timedelta(days=rng.randint(-5, 900))
        assert calendar.working_days_between(start, end) == _day_by_day(calendar, start, end), (start, end)
