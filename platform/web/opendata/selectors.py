"""A Pemda's open data, read from its maintained aggregates (performance.models), never from the
reports: nothing about a reporter, no report text, no tracking ID can reach a table.

- by category: UnitMonthStats summed over units; the median of first responses from ReportFact (each
  report's counted contribution, in the same hour buckets as the dashboard's histograms, which are
  kept per unit and month only, not per category);
- by kecamatan: AreaDayStats summed by month, the kecamatan matched against the region data so that a
  name typed freely (API, SMS) is never published;
- by SKPD: UnitMonthStats and UnitMonthHistogram rolled up to the top-level units.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, F, Func, IntegerField, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from complaints.models import Category
from complaints.selectors import tenant_calendar
from performance.measures import BUCKET_EDGES
from performance.models import AreaDayStats, ReportFact, UnitMonthHistogram, UnitMonthStats
from performance.selectors import Period
from tenants.models import Pemda
from tenants.regions import kecamatan_of
from web.opendata.tables import (
    CATEGORY_MONTH,
    KECAMATAN_MONTH,
    SKPD_MONTH,
    THRESHOLD,
    Catalog,
    Row,
    measure_values,
    published,
)

# The counters of performance.aggregate_fields.MONTH_COUNTERS that the tables publish or derive from.
_SUMMED = ("received", "disposed", "first_n", "first_on_time", "completed", "rating_sum", "rating_n")


def _month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _categories() -> dict[int, tuple[str, str]]:
    return {pk: (code, name) for pk, code, name in Category.objects.values_list("pk", "code", "name")}


def _has_reports(values: Row) -> bool:
    # A row left at zero (its reports moved to another category or unit) says nothing.
    return any(values[k] for k in ("diterima", "didisposisi", "ditanggapi", "selesai", "jumlah_penilaian"))


def category_month_rows(period: Period) -> list[Row]:
    """Per month and category: the counts of `tables.measures()` and the first-response histogram."""
    categories = _categories()
    sums: Any = (
        UnitMonthStats.objects.filter(month__gte=period.since, month__lte=period.until)
        .values("month", "category_id")
        .annotate(**{c: Sum(c) for c in _SUMMED})
    )
    # The dashboard's buckets (performance.measures.bucket_of), counted by the database:
    # width_bucket gives the number of edges at or below the value, which is bucket_of's index.
    bucket = Func(
        F("first_minutes"), Value([edge * 60 for edge in BUCKET_EDGES]), function="width_bucket",
        output_field=IntegerField(),
    )  # fmt: skip
    histograms: dict[tuple[date, int], dict[int, int]] = defaultdict(dict)
    responses: Any = (
        ReportFact.objects.filter(month__gte=period.since, month__lte=period.until, first_minutes__isnull=False)
        .annotate(bucket=bucket)
        .values("month", "category_id", "bucket")
        .annotate(n=Count("report_id"))
    )
    for r in responses:
        histograms[(r["month"], r["category_id"])][r["bucket"]] = r["n"]
    rows = []
    for s in sums:
        code, name = categories.get(s["category_id"], ("", ""))
        values = measure_values(s)
        if code and _has_reports(values):
            rows.append({
                "bulan": f"{s['month']:%Y-%m}", "kategori_kode": code, "kategori": name, **values,
                "first_hist": histograms.get((s["month"], s["category_id"]), {}),
            })  # fmt: skip
    return sorted(rows, key=lambda r: (r["bulan"], r["kategori_kode"]))


def _kecamatan_names(pemda_code: str) -> dict[str, tuple[str, str]]:
    """Official kecamatan name, case-folded -> (its code, or "" when several share it; the name)."""
    places: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for place in kecamatan_of(pemda_code):
        places[place.name.casefold()].append((place.code, place.name))
    return {key: (found[0][0] if len(found) == 1 else "", found[0][1]) for key, found in places.items()}


def kecamatan_month_rows(period: Period, *, pemda_code: str) -> list[Row]:
    """Reports received per month, kecamatan (from the region data only) and category."""
    categories = _categories()
    known = _kecamatan_names(pemda_code)
    counts: Any = (
        AreaDayStats.objects.filter(day__gte=period.since, day__lt=_month_after(period.until))
        .annotate(month=TruncMonth("day"))
        .values("month", "category_id", "kecamatan")
        .annotate(n=Sum("received"))
    )
    summed: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for c in counts:
        code = categories.get(c["category_id"], ("", ""))[0]
        # Anything but a kecamatan of the region data (a name typed freely) goes to the unnamed row.
        kecamatan_code, kecamatan = known.get(c["kecamatan"].strip().casefold(), ("", ""))
        if code:
            summed[(f"{c['month']:%Y-%m}", kecamatan, kecamatan_code, code)] += c["n"]
    names = {code: name for code, name in categories.values()}
    rows = [
        {"bulan": month, "kecamatan_kode": kode or None, "kecamatan": kecamatan or None, "kategori_kode": code,
         "kategori": names[code], "diterima": n}
        for (month, kecamatan, kode, code), n in summed.items()
        if n
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r["bulan"], r["kecamatan"] or "", r["kategori_kode"]))


def _top_units() -> tuple[dict[int, int], dict[int, str]]:
    """unit id -> the id of the top-level SKPD it belongs to, and the names of those SKPD."""
    owner: dict[int, int] = {}
    names: dict[int, str] = {}
    for pk, path, name in Unit.objects.values_list("pk", "path", "name"):
        owner[pk] = int(path.strip("/").split("/")[0])
        if owner[pk] == pk:
            names[pk] = name
    return owner, names


def skpd_month_rows(period: Period) -> list[Row]:
    """Per month and top-level SKPD (its subtree rolled up; None: not disposed yet)."""
    owner, names = _top_units()
    summed: dict[tuple[date, int | None], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_SUMMED, 0))
    sums: Any = (
        UnitMonthStats.objects.filter(month__gte=period.since, month__lte=period.until)
        .values("month", "unit_id")
        .annotate(**{c: Sum(c) for c in _SUMMED})
    )
    for s in sums:
        # unit 0: reports not disposed to any unit (the verifikator's part).
        top = owner.get(s["unit_id"], s["unit_id"]) if s["unit_id"] else None
        target = summed[(s["month"], top)]
        for c in _SUMMED:
            target[c] += s[c]
    histograms: dict[tuple[date, int | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    buckets: Any = (
        UnitMonthHistogram.objects.filter(month__gte=period.since, month__lte=period.until, measure="first")
        .values("month", "unit_id", "bucket")
        .annotate(n=Sum("count"))
    )
    for b in buckets:
        top = owner.get(b["unit_id"], b["unit_id"]) if b["unit_id"] else None
        histograms[(b["month"], top)][b["bucket"]] += b["n"]
    rows = []
    for (month, top), sums_of in summed.items():
        values = measure_values(sums_of)
        if _has_reports(values):
            rows.append({
                "bulan": f"{month:%Y-%m}", "skpd_id": top, "skpd": names.get(top) if top else None, **values,
                "first_hist": dict(histograms.get((month, top), {})),
            })  # fmt: skip
    return sorted(rows, key=lambda r: (r["bulan"], r["skpd_id"] is not None, r["skpd"] or "", r["skpd_id"] or 0))


def pemda_open_data(period: Period, *, pemda_code: str) -> dict[str, list[Row]]:
    """Every table of the Pemda for the period, published: small counts suppressed (web.opendata.tables)."""
    by_category = published(CATEGORY_MONTH, category_month_rows(period))
    # A category hidden in a month hides its kecamatan breakdown, which would otherwise add up to it.
    hidden = {(r["bulan"], r["kategori_kode"]) for r in by_category if r["diterima"] is None}
    kecamatan = kecamatan_month_rows(period, pemda_code=pemda_code)
    forced = [{"diterima"} if (r["bulan"], r["kategori_kode"]) in hidden else set() for r in kecamatan]
    return {
        CATEGORY_MONTH.name: by_category,
        KECAMATAN_MONTH.name: published(KECAMATAN_MONTH, kecamatan, forced=forced),
        SKPD_MONTH.name: published(SKPD_MONTH, skpd_month_rows(period)),
    }


def pemda_catalog(pemda: Pemda) -> Catalog:
    """The data package of the Pemda whose host this is (call inside its schema)."""
    return Catalog(
        name=f"lapor-{pemda.code}-data-terbuka",
        title=_("Data terbuka LAPOR! %(name)s") % {"name": pemda.name},
        description=_(
            "Angka bulanan tentang laporan warga yang diterima %(name)s dan tanggapan perangkat daerahnya: per "
            "kategori, per kecamatan dan per SKPD. Tanpa nama, kontak, isi laporan atau nomor pelacakan; jumlah "
            "di bawah %(n)s laporan dikosongkan."
        )
        % {"name": pemda.name, "n": THRESHOLD},
        publisher=pemda.name,
        tables=(CATEGORY_MONTH, KECAMATAN_MONTH, SKPD_MONTH),
        compute=lambda period: pemda_open_data(period, pemda_code=pemda.code),
        today=timezone.now().astimezone(tenant_calendar().tz).date(),
    )
