"""The hub's side of the performance figures: each Pemda's monthly totals as it last sent them,
and the national league table computed from them (never by reading a Pemda's schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from lapor.replica import read_connection
from national_hub.models import PemdaStatsMonth
from performance.measures import Ranked, quantile_hours, rank_units

# A computed league is kept this long at most (its key changes with every update anyway).
LEAGUE_CACHE_SECONDS = 3600
TOTALS = ("received", "first_n", "first_on_time", "answered", "completed", "disposed", "rating_sum", "rating_n",
          "breaches", "open")  # fmt: skip


@transaction.atomic
def pemda_stats_receive(*, message: dict[str, Any]) -> str:
    """Keep each month of the message unless the hub already holds a newer version of it."""
    body = message["body"]
    pemda, version = str(body.get("pemda", "")), int(message["version"])
    applied = 0
    for raw_month, figures in sorted((body.get("months") or {}).items()):
        month = date.fromisoformat(raw_month)
        current = PemdaStatsMonth.objects.select_for_update().filter(pemda_code=pemda, month=month).first()
        if current is not None and current.version >= version:
            continue
        categories = figures.get("categories") or {}
        totals = {name: sum(int(c.get(name, 0)) for c in categories.values()) for name in TOTALS}
        PemdaStatsMonth.objects.update_or_create(
            pemda_code=pemda,
            month=month,
            defaults={
                "pemda_name": str(body.get("name", ""))[:200],
                "version": version,
                "categories": categories,
                "first_hist": figures.get("first") or {},
                "answer_hist": figures.get("answer") or {},
                "updated_at": timezone.now(),
                **totals,
            },
        )
        applied += 1
    return "applied" if applied else "stale"


def league_rows(*, since: date, until: date) -> list[dict[str, Any]]:
    """Per Pemda, the sums of the months in [since, until]: one grouped query over the hub's table."""
    rows: Any = (
        PemdaStatsMonth.objects.filter(month__gte=since, month__lte=until)
        .values("pemda_code")
        .annotate(**{name: Sum(name) for name in TOTALS})
        .order_by("pemda_code")
    )
    return list(rows)


@dataclass
class LeagueRow:
    """One Pemda (or K/L) over a period, on the Pemda dashboard's measures."""

    code: str
    name: str
    received: int = 0
    first_n: int = 0
    first_on_time: int = 0
    answered: int = 0
    completed: int = 0
    disposed: int = 0
    rating_sum: int = 0
    rating_n: int = 0
    breaches: int = 0
    open: int = 0
    first_hist: dict[int, int] = field(default_factory=dict)
    answer_hist: dict[int, int] = field(default_factory=dict)
    ranked: Ranked | None = None
    rank: int | None = None

    @property
    def on_time_share(self) -> float | None:
        return self.first_on_time / self.first_n if self.first_n else None

    @property
    def completion(self) -> float | None:
        base = self.disposed or self.received
        return self.completed / base if base else None

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


def _ranked(rows: dict[str, LeagueRow], per_category: list[tuple[str, str, int, int]]) -> list[LeagueRow]:
    """Rank by indirect standardisation over the categories (performance.measures.rank_units)."""
    index = {code: i for i, code in enumerate(sorted(rows))}
    codes = {i: code for code, i in index.items()}
    ranking = rank_units((index[code], category, n, on_time) for code, category, n, on_time in per_category)
    position = 0
    ordered = []
    for r in ranking:
        row = rows[codes[r.unit_id]]
        row.ranked = r
        if r.enough:
            position += 1
            row.rank = position
        ordered.append(row)
    seen = {row.code for row in ordered}
    return ordered + sorted((row for code, row in rows.items() if code not in seen), key=lambda row: row.name)


def pemda_league(*, since: date, until: date, province: str = "") -> list[LeagueRow]:
    """Every Pemda that reported months in [since, until], ranked.

    The ranked rows are cached under a signature of the rows they were computed from (how many
    months, the sum of their versions: every stats.update raises a version), so a view between two
    updates costs one small aggregate instead of expanding every Pemda's JSON figures again, and
    an update is counted by the very next view (the signature changes with it).
    """
    months = _league_months(since=since, until=until, province=province)
    signature = months.aggregate(n=Count("id"), v=Sum("version"))
    key = f"league:pemda:{since}:{until}:{province}:{signature['n']}:{signature['v'] or 0}"
    cached = caches["default"].get(key)
    if cached is None:
        cached = _pemda_league_computed(months, since=since, until=until, province=province)
        caches["default"].set(key, cached, LEAGUE_CACHE_SECONDS)
    return list(cached)


def _league_months(*, since: date, until: date, province: str) -> Any:
    months = PemdaStatsMonth.objects.filter(month__gte=since, month__lte=until)
    if province:
        months = months.filter(Q(pemda_code=province) | Q(pemda_code__startswith=f"{province}."))
    return months


def _pemda_league_computed(months: Any, *, since: date, until: date, province: str) -> list[LeagueRow]:
    """The league from the hub's table: three grouped queries."""
    sums: Any = months.values("pemda_code").annotate(name=Max("pemda_name"), **{n: Sum(n) for n in TOTALS})
    rows: dict[str, LeagueRow] = {}
    for s in sums:
        counters: dict[str, Any] = {n: s[n] or 0 for n in TOTALS}
        rows[s["pemda_code"]] = LeagueRow(code=s["pemda_code"], name=s["name"], **counters)
    where = "month >= %s AND month <= %s"
    params_: list[Any] = [since, until]
    if province:
        where += " AND (pemda_code = %s OR pemda_code LIKE %s)"
        params_ += [province, f"{province}.%"]
    table = PemdaStatsMonth._meta.db_table
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT pemda_code, c.key, SUM((c.value->>'first_n')::int), SUM((c.value->>'first_on_time')::int)"
            f" FROM {table}, jsonb_each(categories) c WHERE {where} GROUP BY 1, 2",
            params_,
        )
        per_category = [(code, category, int(n or 0), int(t or 0)) for code, category, n, t in cursor.fetchall()]
        for measure in ("first", "answer"):
            cursor.execute(
                f"SELECT pemda_code, h.key::int, SUM(h.value::int) FROM {table}, jsonb_each_text({measure}_hist) h"
                f" WHERE {where} GROUP BY 1, 2",
                params_,
            )
            for code, bucket, n in cursor.fetchall():
                getattr(rows[code], f"{measure}_hist")[bucket] = int(n)
    return _ranked(rows, per_category)


def kl_league(*, since: date, until: date) -> list[LeagueRow]:
    """Every K/L that worked referrals routed in [since, until], ranked the same way."""
    from national_hub.kl_stats import kl_month_sums
    from national_hub.models import KlStatsHistogram
    from national_hub.registry.models import Instansi

    names = dict(Instansi.objects.values_list("code", "name"))
    rows: dict[str, LeagueRow] = {}
    per_category = []
    for s in kl_month_sums(since=since, until=until):
        row = rows.setdefault(s["target_code"], LeagueRow(code=s["target_code"], name=names.get(s["target_code"], "")))
        for n in ("received", "first_n", "first_on_time", "answered", "completed"):
            setattr(row, n, getattr(row, n) + s[n])
        per_category.append((s["target_code"], s["category_code"], s["first_n"], s["first_on_time"]))
    hist: Any = (
        KlStatsHistogram.objects.filter(month__gte=since, month__lte=until, target_code__in=list(rows))
        .values("target_code", "measure", "bucket")
        .annotate(n=Sum("count"))
    )
    for h in hist:
        getattr(rows[h["target_code"]], f"{h['measure']}_hist")[h["bucket"]] = h["n"]
    return _ranked(rows, per_category)
