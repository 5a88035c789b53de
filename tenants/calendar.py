"""Working days (hari kerja) of one Pemda, in its own time zone: the one rule every deadline uses.

The Pemda's work week (tenants.WorkCalendar, Monday to Friday by default), minus Indonesia's
national holidays and, when the Pemda observes them, cuti bersama (the `holidays` package,
categories `public` and `government`), minus its regional holidays, adjusted by the day-by-day
changes its admin makes (complaints.CalendarDay: a new cuti bersama, a substitute working day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=128)
def _national(year: int, cuti_bersama: bool) -> frozenset[date]:
    categories = ("public", "government") if cuti_bersama else ("public",)
    return frozenset(holidays.country_holidays("ID", years=year, categories=categories).keys())


MONDAY_TO_FRIDAY = frozenset({1, 2, 3, 4, 5})
# Office hours that count as working time (local): a day of eight working hours.
OFFICE_OPEN, OFFICE_CLOSE = time(8, 0), time(16, 0)
_DAY_MINUTES = 8 * 60
_DUE_MEMO_SIZE = 4096


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    work_weekdays: frozenset[int] = MONDAY_TO_FRIDAY  # ISO: 1 = Monday ... 7 = Sunday
    cuti_bersama: bool = True
    # due_at's answers by (local start date, days): every report taken in on one day gets the
    # same deadline, and intake asks for it on each one. Lives and dies with this calendar,
    # which is rebuilt whenever the Pemda's days change.
    _due: dict[tuple[date, int], datetime] = field(default_factory=dict, init=False, repr=False, compare=False)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day.isoweekday() not in self.work_weekdays or day in self.extra_holidays:
            return False
        return day not in _national(day.year, self.cuti_bersama)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself never counts)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    @classmethod
    def for_pemda(
        cls,
        *,
        timezone: str,
        settings: Any | None,
        extra_holidays: frozenset[date] = frozenset(),
        extra_working_days: frozenset[date] = frozenset(),
    ) -> WorkingCalendar:
        """Build from a Pemda's zone, its WorkCalendar row (None: the national defaults) and day overrides."""
        regional: frozenset[date] = frozenset()
        if settings is not None:
            regional = frozenset(date.fromisoformat(h["date"]) for h in settings.regional_holidays if h.get("date"))
        return cls(
            tz=ZoneInfo(timezone),
            extra_holidays=extra_holidays | regional,
            extra_working_days=extra_working_days,
            work_weekdays=frozenset(settings.work_weekdays) if settings is not None else MONDAY_TO_FRIDAY,
            cuti_bersama=settings.observes_cuti_bersama if settings is not None else True,
        )

    def due_at(self, start: datetime, days: int) -> datetime:
        """End (23:59:59 local) of the `days`-th working day after the local date of `start`."""
        key = (self.local_date(start), days)
        due = self._due.get(key)
        if due is None:
            if len(self._due) >= _DUE_MEMO_SIZE:
                self._due.clear()
            due = datetime.combine(self.add_working_days(key[0], days), time(23, 59, 59), tzinfo=self.tz)
            self._due[key] = due
        return due

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Working days after today's local date up to and including the due date (0 when overdue)."""
        return self.working_days_between(self.local_date(now), self.local_date(due))

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Working time from `start` to `end` in minutes: office hours (08:00-16:00 local) of
        working days only, in this Pemda's own zone. A report sent on Friday at 15:00 and answered
        on Monday at 09:00 took two working hours."""
        s, e = start.astimezone(self.tz), end.astimezone(self.tz)
        if e <= s:
            return 0
        first, last = s.date(), e.date()
        if first == last:
            return self._office_minutes(first, s, e)
        between = self.working_days_between(first, last - timedelta(days=1))  # days strictly inside
        return self._office_minutes(first, s, e) + between * _DAY_MINUTES + self._office_minutes(last, s, e)

    def _office_minutes(self, day: date, start: datetime, end: datetime) -> int:
        if not self.is_working_day(day):
            return 0
        opened = max(start, datetime.combine(day, OFFICE_OPEN, tzinfo=self.tz))
        closed = min(end, datetime.combine(day, OFFICE_CLOSE, tzinfo=self.tz))
        return max(0, int((closed - opened).total_seconds() // 60))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`).

        Counted by whole weeks, then the exceptions in the range, rather than day by day: a queue
        shows this for each of its rows, and an old backlog spans years.
        """
        if end <= start:
            return 0
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.work_weekdays)
        first = start.isoweekday()
        count += sum(1 for k in range(1, rest + 1) if (first + k - 1) % 7 + 1 in self.work_weekdays)
        off: set[date] = set(self.extra_holidays)
        for year in range(start.year, end.year + 1):
            off |= _national(year, self.cuti_bersama)
        for day in off:
            if start < day <= end and day.isoweekday() in self.work_weekdays and day not in self.extra_working_days:
                count -= 1
        for day in self.extra_working_days:
            if start < day <= end and day.isoweekday() not in self.work_weekdays:
                count += 1
        return count
