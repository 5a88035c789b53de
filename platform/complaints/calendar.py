"""Working days (hari kerja) of one Pemda, in its own time zone.

Monday to Friday, minus Indonesia's national holidays and cuti bersama from the `holidays`
package (categories `public` and `government`), adjusted by the Pemda's own CalendarDay rows:
regional holidays, cuti bersama decided after the package was released, or a day declared a
working day after all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    days = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(days.keys())


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day.weekday() >= 5 or day in self.extra_holidays:
            return False
        return day not in _national(day.year)

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

    def due_at(self, start: datetime, days: int) -> datetime:
        """End (23:59:59 local) of the `days`-th working day after the local date of `start`."""
        due_day = self.add_working_days(self.local_date(start), days)
        return datetime.combine(due_day, time(23, 59, 59), tzinfo=self.tz)

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Working days after today's local date up to and including the due date (0 when overdue)."""
        today, due_day = self.local_date(now), self.local_date(due)
        count, current = 0, today
        while current < due_day:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count
