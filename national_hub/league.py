"""The hub's league tables (/konsol/liga/): every Pemda and every K/L on the Pemda dashboard's measures.

Read from the figures each Pemda sends through sync (PemdaStatsMonth) and from the hub's own K/L
sums (national_hub.kl_stats): a few grouped queries of hub tables, never a Pemda's schema.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lapor.replica import replica_reads
from national_hub.permissions import hub_memberships, is_hub_operator
from national_hub.stats import LeagueRow, kl_league, pemda_league
from performance.measures import MIN_REPORTS
from performance.selectors import PeriodError, period_from
from web.charts import ratio_bars
from web.exports import table_download
from web.tables import league_rows

_PROVINCE = re.compile(r"^\d{2}$")
# Bars drawn per end of the chart: the best and the worst judged ones (the table has all).
CHART_ENDS = 10


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _table(rows: list[LeagueRow]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Peringkat"), _("Kode"), _("Nama"), _("Diterima"), _("Ditanggapi"), _("Tepat waktu"), _("Rasio terstandar"),
        _("Batas bawah 95%"), _("Batas atas 95%"), _("Median tanggapan pertama (jam kerja)"),
        _("P90 tanggapan pertama (jam kerja)"), _("Median jawaban akhir (jam kerja)"), _("Selesai"), _("Kepuasan"),
        _("Pelanggaran SLA"), _("Belum dijawab"),
    ]  # fmt: skip
    body = []
    for r in rows:
        ranked = r.ranked
        body.append([
            r.rank or _("data belum cukup"), r.code, r.name, r.received, r.first_n, _pct(r.on_time_share),
            round(ranked.ratio, 2) if ranked and ranked.ratio is not None else "",
            round(ranked.low, 2) if ranked and ranked.low is not None else "",
            round(ranked.high, 2) if ranked and ranked.high is not None else "",
            r.first_median_h or "", r.first_p90_h or "", r.answer_median_h or "", _pct(r.completion),
            r.satisfaction or "", r.breaches, r.open,
        ])  # fmt: skip
    return header, body


def _chart(rows: list[LeagueRow], title: str) -> Any:
    judged = [r for r in rows if r.rank is not None and r.ranked is not None]
    shown = judged if len(judged) <= 2 * CHART_ENDS else judged[:CHART_ENDS] + judged[-CHART_ENDS:]
    if not shown:
        return ""
    return ratio_bars(
        [(r.name, r.ranked.ratio, r.ranked.low, r.ranked.high) for r in shown if r.ranked],
        title=title,
        desc=_("Batang: tanggapan tepat waktu dibanding yang diharapkan dari kategori laporannya; garis: selang 95%."),
    )


@replica_reads
def league(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not hub_memberships(request):
        return render(request, "403.html", status=403)
    params = {k: request.GET.get(k, "").strip() for k in ("dari", "sampai", "provinsi", "format", "tabel")}
    try:
        period = period_from(params)
        if params["provinsi"] and not _PROVINCE.match(params["provinsi"]):
            raise PeriodError(_("Kode provinsi %(p)s tidak sah; tulis dua angka, mis. 32.") % {"p": params["provinsi"]})
    except PeriodError as exc:
        failed = {"nav": "konsol", "hub_page": "liga", "operator": is_hub_operator(request), "error": str(exc),
                  "params": params}  # fmt: skip
        return render(request, "national_hub/league.html", failed, status=400)
    pemda = pemda_league(since=period.since, until=period.until, province=params["provinsi"])
    kl = kl_league(since=period.since, until=period.until) if not params["provinsi"] else []
    if params["format"] in ("csv", "xlsx"):
        table = "kl" if params["tabel"] == "kl" else "pemda"
        return table_download(f"liga-{table}", params["format"], *_table(kl if table == "kl" else pemda))
    base = {k: v for k, v in params.items() if k in ("dari", "sampai", "provinsi") and v}
    context: dict[str, Any] = {
        "nav": "konsol",
        "hub_page": "liga",
        "operator": is_hub_operator(request),
        "params": params,
        "period": period,
        "pemda": pemda,
        "kl": kl,
        "min_reports": MIN_REPORTS,
        "judged": sum(1 for r in pemda if r.rank is not None),
        "pemda_rows": league_rows(pemda, _("Pemda")),
        "kl_rows": league_rows(kl, _("K/L")),
        "chart_pemda": _chart(pemda, _("Rasio terstandar tanggapan tepat waktu: Pemda terbaik dan terbawah")),
        "chart_kl": _chart(kl, _("Rasio terstandar tanggapan tepat waktu per K/L")),
        "export": {
            f"{fmt}_{t}": urlencode({**base, "format": fmt, "tabel": t})
            for fmt in ("csv", "xlsx")
            for t in ("pemda", "kl")
        },
    }
    return render(request, "national_hub/league.html", context)
