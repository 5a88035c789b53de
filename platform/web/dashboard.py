"""The pimpinan's dashboard (/konsol/kinerja/): which SKPD answers fastest and slowest, and why.

Every figure links to the reports behind it (/konsol/laporan/ with the same filters), every table
exports to CSV and Excel, and the charts are drawn on the server (web.charts).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Unit
from complaints.access import Caller
from lapor.replica import replica_reads
from performance.selectors import (
    MIN_REPORTS,
    Period,
    PeriodError,
    UnitFigures,
    monthly_trend,
    pemda_totals,
    period_from,
    skpd_figures,
    weekly_trend,
)
from performance.warning import spikes_recent
from web.charts import ratio_bars, weekly_columns
from web.console import console_view
from web.exports import table_download
from web.tables import labelled_rows, skpd_rows

# Who reads the dashboard: the leaders, the Pemda's admin and its auditors.
READERS = {Role.PIMPINAN, Role.TENANT_ADMIN, Role.AUDITOR}


def _reader(caller: Caller) -> None:
    if not any(m.role in READERS for m in caller.memberships):
        raise PermissionDenied


def _last_day(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def drill(period: Period | None, **filters: Any) -> str:
    """The console's report list behind a figure: the same unit, months and state (None: any month)."""
    query = {k: v for k, v in filters.items() if v not in (None, "")}
    if period is not None:
        query["submitted_from"] = f"{period.since.isoformat()}T00:00:00"
        query["submitted_to"] = f"{_last_day(period.until).isoformat()}T23:59:59"
    return "/konsol/laporan/?" + urlencode(query, doseq=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _ranking_table(figures: list[UnitFigures]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Peringkat"), _("Unit"), _("Diterima"), _("Ditanggapi"), _("Tepat waktu"), _("Rasio terstandar"),
        _("Batas bawah 95%"), _("Median tanggapan pertama (jam kerja)"), _("P90 tanggapan pertama (jam kerja)"),
        _("Median jawaban akhir (jam kerja)"), _("Selesai"), _("Dibuka kembali"), _("Kepuasan"), _("Pelanggaran SLA"),
        _("Belum dijawab"), _("Terlambat sekarang"),
    ]  # fmt: skip
    rows = []
    rank = 0
    for f in figures:
        judged = f.ranked is not None and f.ranked.enough
        rank += judged
        rows.append([
            rank if judged else _("data belum cukup"), f.unit.name if f.unit else "", f.received, f.first_n,
            _pct(f.on_time_share), round(f.ranked.ratio, 2) if f.ranked and f.ranked.ratio is not None else "",
            round(f.ranked.low, 2) if f.ranked and f.ranked.low is not None else "", f.first_median_h or "",
            f.first_p90_h or "", f.answer_median_h or "", _pct(f.completion), _pct(f.reopen_rate),
            f.satisfaction or "", f.breaches, f.backlog, f.overdue,
        ])  # fmt: skip
    return header, rows


def _months_table(period: Period, unit: Unit | None) -> tuple[list[str], list[list[Any]]]:
    header = [_("Bulan"), _("Diterima"), _("Ditanggapi"), _("Tepat waktu"), _("Selesai"), _("Pelanggaran SLA")]
    rows = [
        [r["month"].strftime("%Y-%m"), r["received"], r["first_n"], _pct(r["on_time_share"]), r["completed"],
         r["breaches"]]
        for r in monthly_trend(period=period, unit=unit)
    ]  # fmt: skip
    return header, rows


def _weeks_table(unit: Unit | None) -> tuple[list[str], list[list[Any]]]:
    header = [_("Minggu mulai"), _("Diterima"), _("Ditanggapi"), _("Tepat waktu"), _("Dijawab")]
    rows = [
        [r["week"].isoformat(), r["received"], r["first_n"], _pct(r["on_time_share"]), r["answered"]]
        for r in weekly_trend(unit=unit)
    ]
    return header, rows


def _labelled(header: list[str], rows: list[list[Any]]) -> tuple[list[str], SafeString]:
    """The header and the body rows (web.tables.labelled_rows), each cell with its column's name."""
    return header, labelled_rows(header, rows)


def _period_query(period: Period) -> str:
    """The part of drill()'s query that names the months, encoded once per page."""
    return "&" + drill(period).partition("?")[2]


def unit_links(pk: int, span: str, base: dict[str, str]) -> dict[str, str]:
    """drill() for one unit's figures, joined from pieces encoded once per page (about 40 units x 9 links a page)."""
    unit = f"/konsol/laporan/?unit={int(pk)}"
    return {
        "received": unit + span,
        "open": unit + "&status=disposed",
        "overdue": unit + "&status=disposed&overdue=true",
        "answered": unit + "&status=answered&status=closed" + span,
        "on_time": unit + "&first_on_time=true" + span,
        "rated": unit + "&rated=true" + span,
        "reopened": unit + "&reopened=true" + span,
        "breached": unit + "&breached=true" + span,
        "children": "?" + urlencode({**base, "unit": str(pk)}),
    }


def _page_rows(figures: list[UnitFigures], period: Period, base: dict[str, str]) -> list[dict[str, Any]]:
    parents = set(
        Unit.objects.filter(parent_id__in=[f.unit.pk for f in figures if f.unit]).values_list("parent_id", flat=True)
    )
    span = _period_query(period)
    rows, rank = [], 0
    for f in figures:
        if f.unit is None:
            continue
        judged = f.ranked is not None and f.ranked.enough
        rank += judged
        pk = f.unit.pk
        rows.append({
            "figures": f, "rank": rank if judged else None, "has_children": pk in parents,
            "links": unit_links(pk, span, base),
        })  # fmt: skip
    return rows


@replica_reads
@console_view
def kinerja(request: HttpRequest, caller: Caller) -> HttpResponse:
    _reader(caller)
    params = {k: request.GET.get(k, "") for k in ("dari", "sampai", "unit", "format", "tabel")}
    try:
        period = period_from(params)
    except PeriodError as exc:
        return render(
            request, "console/kinerja.html", {"nav": "konsol", "page": "kinerja", "error": str(exc), "params": params},
            status=400,
        )  # fmt: skip
    parent = Unit.objects.filter(pk=int(params["unit"])).first() if params["unit"].isdigit() else None
    figures = skpd_figures(period=period, parent=parent)
    if params["format"] in ("csv", "xlsx"):
        tables = {
            "peringkat": lambda: _ranking_table(figures),
            "bulan": lambda: _months_table(period, parent),
            "minggu": lambda: _weeks_table(parent),
        }
        table = params["tabel"] if params["tabel"] in tables else "peringkat"
        return table_download(f"kinerja-{table}", params["format"], *tables[table]())
    judged = [f for f in figures if f.ranked and f.ranked.enough]
    weeks = weekly_trend(unit=parent)
    base = {k: v for k, v in params.items() if k in ("dari", "sampai", "unit") and v}
    context = {
        "nav": "konsol",
        "page": "kinerja",
        "params": params,
        "period": period,
        "parent": parent,
        "figures": figures,
        "judged_count": len(judged),
        "fastest": judged[:3],
        "slowest": list(reversed(judged[-3:])) if len(judged) > 3 else [],
        "totals": pemda_totals(period=period),
        "spikes": spikes_recent(),
        "months": _labelled(*_months_table(period, parent)),
        "weeks": _labelled(*_weeks_table(parent)),
        "min_reports": MIN_REPORTS,
        "chart_ranking": ratio_bars(
            [(r.unit.name if r.unit else "", r.ranked.ratio, r.ranked.low, r.ranked.high) for r in judged if r.ranked],
            title=_("Rasio terstandar tanggapan tepat waktu per SKPD"),
            desc=_(
                "Batang: tanggapan tepat waktu dibanding yang diharapkan dari kategori laporannya; garis: selang 95%."
            ),
        ),
        "chart_weeks": weekly_columns(
            [(w["week"].strftime("%d/%m"), w["received"], w["on_time_share"]) for w in weeks],
            title=_("Laporan diterima per minggu dan bagian yang ditanggapi tepat waktu"),
            desc=_("Kolom: laporan diterima; garis: bagian tanggapan pertama yang tepat waktu (0-100%)."),
        ),
        "export": {
            fmt: {t: urlencode({**base, "format": fmt, "tabel": t}) for t in ("peringkat", "bulan", "minggu")}
            for fmt in ("csv", "xlsx")
        },
        "drill_all": drill(period),
        "drill_open": drill(None, status="disposed"),
        "drill_on_time": drill(period, first_on_time="true"),
        "drill_breached": drill(period, breached="true"),
        "drill_rated": drill(period, rated="true"),
    }
    context["rows"] = rows = _page_rows(figures, period, base)
    context["ranking_rows"] = skpd_rows(rows)
    return render(request, "console/kinerja.html", context)
