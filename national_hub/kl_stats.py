"""The K/L league's figures: each referral a K/L works, counted when the hub records its state.

The hub holds every referral routed to a K/L (national_hub.models.HubReferral), so the K/L's
figures are kept here, in the transaction that changes the referral: a fact per referral (its
current receiver's contribution) and sums by K/L, category and month, changed by differences
as in performance.aggregate. The measures are the Pemda's (performance.measures) on the national
calendar in WIB: first response and final answer in working hours from the moment the referral
reached the K/L, on time when the first response came within RESPONSE_DAYS working days.
A referral a K/L returns counts for whoever works it next.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum

from national_hub.models import HubReferral, KlReferralFact, KlStatsHistogram, KlStatsMonth, TargetKind
from performance.aggregate import sums_add
from performance.measures import bucket_of, month_of
from tenants.calendar import WorkingCalendar

RESPONSE_DAYS = 5  # the same first-response deadline a Pemda's units have
NATIONAL = WorkingCalendar(tz=ZoneInfo("Asia/Jakarta"))
_COUNTERS = ("received", "first_n", "first_on_time", "answered", "completed")


def _moment(raw: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def kl_fact_of(hub_ref: HubReferral) -> dict[str, Any] | None:
    """What the referral counts for at its K/L now (None when no K/L works it)."""
    if hub_ref.target_kind != TargetKind.KL or hub_ref.routed_at is None or not hub_ref.target_code:
        return None
    start = hub_ref.routed_at
    times = [(_moment(f.get("created_at")), bool(f.get("is_final"))) for f in hub_ref.followups or []]
    after = sorted((t, final) for t, final in times if t is not None and t >= start)
    first = after[0][0] if after else None
    answer = next((t for t, final in after if final), None)
    return {
        "target_code": hub_ref.target_code,
        "category_code": hub_ref.category_code or "",
        "month": month_of(NATIONAL.local_date(start)),
        "first_minutes": NATIONAL.working_minutes_between(start, first) if first else None,
        "first_on_time": bool(first and first <= NATIONAL.due_at(start, RESPONSE_DAYS)),
        "answer_minutes": NATIONAL.working_minutes_between(start, answer) if answer else None,
        "completed": hub_ref.status in ("answered", "closed"),
    }


def _add(
    month: dict[tuple[str, str, date], dict[str, int]], hist: dict[tuple[Any, ...], int], fact: Any, sign: int
) -> None:
    counters = month.setdefault(
        (fact["target_code"], fact["category_code"], fact["month"]), dict.fromkeys(_COUNTERS, 0)
    )
    counters["received"] += sign
    counters["first_n"] += sign * int(fact["first_minutes"] is not None)
    counters["first_on_time"] += sign * int(fact["first_on_time"])
    counters["answered"] += sign * int(fact["answer_minutes"] is not None)
    counters["completed"] += sign * int(fact["completed"])
    for measure in ("first", "answer"):
        minutes = fact[f"{measure}_minutes"]
        if minutes is not None:
            hist[(fact["target_code"], fact["month"], measure, bucket_of(minutes))] += sign


def kl_stats_recount(hub_ref: HubReferral) -> None:
    """Count the referral again and apply the difference; call in the transaction that saved it."""
    row = KlReferralFact.objects.filter(referral_key=hub_ref.referral_key).first()
    fields = ("target_code", "category_code", "month", "first_minutes", "first_on_time", "answer_minutes", "completed")
    old = {name: getattr(row, name) for name in fields} if row is not None else None
    new = kl_fact_of(hub_ref)
    if old == new:
        return
    month: dict[tuple[str, str, date], dict[str, int]] = {}
    hist: dict[tuple[Any, ...], int] = defaultdict(int)
    if old is not None:
        _add(month, hist, old, -1)
    if new is not None:
        _add(month, hist, new, +1)
    rows = [(*key, *(v[c] for c in _COUNTERS)) for key, v in month.items() if any(v.values())]
    if rows:
        types = ("text", "text", "date", *("int",) * len(_COUNTERS))
        sums_add(KlStatsMonth._meta.db_table, ("target_code", "category_code", "month"), _COUNTERS, rows, types)
    changed = [(*key, n) for key, n in hist.items() if n]
    if changed:
        keys = ("target_code", "month", "measure", "bucket")
        sums_add(
            KlStatsHistogram._meta.db_table, keys, ("count",), changed, ("text", "date", "text", "smallint", "int")
        )
    if new is None:
        KlReferralFact.objects.filter(referral_key=hub_ref.referral_key).delete()
    else:
        KlReferralFact.objects.update_or_create(referral_key=hub_ref.referral_key, defaults=new)


def kl_rebuild() -> int:
    """Forget the K/L sums and count every referral again (must give the same figures)."""
    KlReferralFact.objects.all().delete()
    KlStatsMonth.objects.all().delete()
    KlStatsHistogram.objects.all().delete()
    count = 0
    for hub_ref in HubReferral.objects.filter(target_kind=TargetKind.KL).iterator():
        kl_stats_recount(hub_ref)
        count += 1
    return count


def kl_month_sums(*, since: date, until: date) -> Any:
    return (
        KlStatsMonth.objects.filter(month__gte=since, month__lte=until)
        .values("target_code", "category_code")
        .annotate(**{c: Sum(c) for c in _COUNTERS})
    )
