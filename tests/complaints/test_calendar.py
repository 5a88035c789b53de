"""SLA clocks count working days in the Pemda's own zone: weekends, national holidays, cuti bersama."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django_tenants.utils import tenant_context

from complaints.audit import Actor
from complaints.models import CalendarDayKind
from complaints.selectors import tenant_calendar
from complaints.services import calendar_day_set
from tenants.calendar import WorkingCalendar
from tenants.models import Pemda

WIB = WorkingCalendar(tz=ZoneInfo("Asia/Jakarta"))
WIT = WorkingCalendar(tz=ZoneInfo("Asia/Jayapura"))
UTC = ZoneInfo("UTC")


def test_weekend_is_skipped() -> None:
    # Friday 6 Nov 2026, 10:00 WIB: Mon 9, Tue 10, Wed 11.
    assert WIB.due_at(datetime(2026, 11, 6, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")), 3) == datetime(
        2026, 11, 11, 23, 59, 59, tzinfo=ZoneInfo("Asia/Jakarta")
    )


def test_national_holiday_and_cuti_bersama_are_skipped() -> None:
    # Wed 23 Dec 2026: Thu 24 is cuti bersama Natal, Fri 25 Christmas, then the weekend.
    assert WIB.is_working_day(date(2026, 12, 24)) is False
    assert WIB.is_working_day(date(2026, 12, 25)) is False
    assert WIB.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)
    # Independence Day (Mon 17 Aug 2026) is a holiday in every zone.
    assert WIT.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)


def test_same_instant_counts_from_a_different_local_day_in_wib_and_wit() -> None:
    # 15:30 UTC on Thu 26 Nov is 22:30 Thursday in Jakarta but 00:30 Friday in Jayapura.
    moment = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
    assert WIB.due_at(moment, 3).date() == date(2026, 12, 1)
    assert WIT.due_at(moment, 3).date() == date(2026, 12, 2)
    assert WIT.due_at(moment, 3).utcoffset().total_seconds() == 9 * 3600  # type: ignore[union-attr]


def test_pemda_adds_its_own_cuti_bersama_and_regional_holiday(jakarta: Pemda) -> None:
    with tenant_context(jakarta):
        assert tenant_calendar().add_working_days(date(2026, 6, 19), 1) == date(2026, 6, 22)
        # Jakarta's anniversary (22 June) as a regional holiday, and an extra cuti bersama on the 23rd.
        calendar_day_set(actor=Actor.system(), date=date(2026, 6, 22), kind=CalendarDayKind.HOLIDAY, name="HUT Jakarta")
        calendar_day_set(
            actor=Actor.system(), date=date(2026, 6, 23), kind=CalendarDayKind.CUTI_BERSAMA, name="Cuti bersama"
        )
        assert tenant_calendar().add_working_days(date(2026, 6, 19), 1) == date(2026, 6, 24)


def test_pemda_can_turn_a_cuti_bersama_back_into_a_working_day(jakarta: Pemda) -> None:
    with tenant_context(jakarta):
        calendar_day_set(actor=Actor.system(), date=date(2026, 12, 24), kind=CalendarDayKind.WORKING, name="Masuk")
        assert tenant_calendar().add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)
