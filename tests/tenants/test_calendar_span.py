"""Counting working days over long spans (a queue's old backlog) agrees with counting day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any
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


WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")


def _at(zone: ZoneInfo, *parts: int) -> Any:
    from datetime import datetime

    return datetime(*parts, tzinfo=zone)


def test_working_hours_count_office_hours_of_working_days_only() -> None:
    calendar = WorkingCalendar(tz=WIB)
    # Friday 15:00 to Monday 09:00: one hour on Friday, one on Monday; the weekend counts nothing.
    assert calendar.working_minutes_between(_at(WIB, 2026, 12, 4, 15), _at(WIB, 2026, 12, 7, 9)) == 120
    # Within one day, outside office hours: before 08:00 and after 16:00 count nothing.
    assert calendar.working_minutes_between(_at(WIB, 2026, 12, 8, 6), _at(WIB, 2026, 12, 8, 18)) == 480
    assert calendar.working_minutes_between(_at(WIB, 2026, 12, 8, 17), _at(WIB, 2026, 12, 9, 7)) == 0


def test_a_holiday_in_between_counts_nothing() -> None:
    # Wednesday 15:00 to the next Monday 10:00, with the Pemda's own holiday on Thursday and
    # Friday: Wednesday 1 h + Monday 2 h.
    calendar = WorkingCalendar(tz=WIB, extra_holidays=frozenset({date(2026, 11, 12), date(2026, 11, 13)}))
    assert calendar.working_minutes_between(_at(WIB, 2026, 11, 11, 15), _at(WIB, 2026, 11, 16, 10)) == 180


def test_the_same_moments_count_differently_in_two_time_zones() -> None:
    from datetime import UTC, datetime

    start = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)  # Friday 15:30 WIB, 16:30 WITA
    end = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB, 10:00 WITA
    assert WorkingCalendar(tz=WIB).working_minutes_between(start, end) == 30 + 60
    assert WorkingCalendar(tz=WITA).working_minutes_between(start, end) == 0 + 120
