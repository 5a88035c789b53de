"""The measures on small cases computed by hand: working time across a weekend, a holiday and two
time zones, the histogram's median, and a ranking that is fair to busy units with hard categories."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from performance.measures import MIN_REPORTS, bucket_of, fact_of, quantile_hours, rank_units
from tenants.calendar import WorkingCalendar

WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")


def _report(**fields: object) -> SimpleNamespace:
    base = {
        "pk": 1, "unit_id": 7, "category_id": 3, "status": "answered", "rating": 4,
        "submitted_at": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # Tue 1 Dec 06:30 WIB, 07:30 WITA
        "verified_at": datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "verify_due_at": datetime(2026, 12, 3, 17, tzinfo=UTC),
        # Disposed Friday 4 Dec 15:00 WIB (08:00 UTC); first answer Monday 7 Dec 09:00 WIB (02:00 UTC).
        "disposed_at": datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
        "first_response_at": datetime(2026, 12, 7, 2, 0, tzinfo=UTC),
        "response_due_at": datetime(2026, 12, 11, 16, 59, tzinfo=UTC),
        "answered_at": datetime(2026, 12, 9, 3, 0, tzinfo=UTC), "kecamatan": "Gambir",
    }  # fmt: skip
    return SimpleNamespace(**{**base, **fields})


def test_a_report_answered_across_a_weekend_in_jakarta() -> None:
    fact = fact_of(_report(), calendar=WorkingCalendar(tz=WIB), breaches=0, reopened=False)
    # Friday 15:00-16:00 and Monday 08:00-09:00: two working hours; the weekend counts nothing.
    assert fact.first_minutes == 120 and fact.first_on_time
    # To the final answer, Wednesday 10:00 WIB: Fri 1 h + Mon 8 h + Tue 8 h + Wed 2 h = 19 h.
    assert fact.answer_minutes == 19 * 60
    assert (fact.month, fact.week) == (date(2026, 12, 1), date(2026, 11, 30))
    assert fact.verified_on_time and fact.completed and not fact.open


def test_a_holiday_on_monday_pushes_the_same_answer_further() -> None:
    calendar = WorkingCalendar(tz=WIB, extra_holidays=frozenset({date(2026, 12, 7)}))
    fact = fact_of(_report(), calendar=calendar, breaches=0, reopened=False)
    # Monday is a holiday: only Friday's hour counts before the Monday 09:00 answer.
    assert fact.first_minutes == 60
    assert fact.answer_minutes == (1 + 8 + 2) * 60


def test_the_same_moments_are_counted_in_the_pemdas_own_zone() -> None:
    fact = fact_of(_report(), calendar=WorkingCalendar(tz=WITA), breaches=0, reopened=False)
    # In WITA the disposition is Friday 16:00 (nothing left that day) and the answer Monday 10:00.
    assert fact.first_minutes == 120
    # Submitted Tuesday 07:30 WITA but Monday 30 Nov in UTC: the month is the Pemda's own.
    assert fact.month == date(2026, 12, 1)
    assert (fact.day, fact.kecamatan) == (date(2026, 12, 1), "Gambir")


def test_a_report_not_yet_disposed_counts_as_received_only() -> None:
    fact = fact_of(
        _report(unit_id=None, disposed_at=None, first_response_at=None, answered_at=None, status="submitted",
                verified_at=None, rating=None),
        calendar=WorkingCalendar(tz=WIB), breaches=0, reopened=False,
    )  # fmt: skip
    assert (fact.unit_id, fact.disposed, fact.first_minutes, fact.open, fact.verified) == (0, False, None, False, False)


def test_the_median_and_90th_percentile_of_a_histogram() -> None:
    # Ten answers: six in the second working hour, four in the 12-16 hour bucket.
    histogram = {bucket_of(90): 6, bucket_of(13 * 60): 4}
    assert bucket_of(90) == 1 and bucket_of(13 * 60) == 9
    assert quantile_hours(histogram, 0.5) == round(1 + 5 / 6, 1)  # 5 of the 6 in [1, 2) h
    assert quantile_hours(histogram, 0.9) == 15.0  # 3 of the 4 in [12, 16) h
    assert quantile_hours({}, 0.5) is None


def test_a_busy_unit_with_hard_categories_is_not_ranked_below_a_quiet_one_doing_as_well() -> None:
    # Category 1 is easy (90 % answered on time across the Pemda), category 2 hard (30 %).
    busy = [(10, 2, 200, 60), (10, 1, 20, 18)]  # mostly hard reports, at the Pemda's norms
    quiet = [(20, 1, 30, 27)]  # only easy ones, at the norm too
    others = [(30, 1, 100, 90), (30, 2, 100, 30)]
    ranking = rank_units(busy + quiet + others)
    by_unit = {r.unit_id: r for r in ranking}
    # Raw shares would put the quiet unit far above (90 % against 35 %); standardised, both are 1.0.
    assert round(by_unit[10].ratio or 0, 2) == 1.0 and round(by_unit[20].ratio or 0, 2) == 1.0
    order = [r.unit_id for r in ranking]
    assert order.index(10) < order.index(20)  # the busy unit's interval is narrower: it is not below


def test_a_tiny_unit_is_not_judged() -> None:
    ranking = rank_units([(1, 1, 100, 50), (2, 1, MIN_REPORTS - 1, MIN_REPORTS - 1)])
    tiny = next(r for r in ranking if r.unit_id == 2)
    assert not tiny.enough and ranking[-1].unit_id == 2  # "data belum cukup": never first
