"""Rows of the two big ranking tables: the pimpinan's SKPD ranking and the hub's league of Pemda and K/L.

Written in Python rather than in the template language on purpose: these tables have a fixed
shape and many rows (552 Pemda), and profiling showed Django's template engine spending most of
the page's time on them (about 48 nodes per row, each resolving, localising and escaping one
value). Here each row is one format string. Every value that comes from data goes through
`escape`; numbers are written as the templates' `{{ value }}`, `floatformat:2` and `percent`
would write them in the active language (its decimal separator, no thousands separator).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

DASH = "—"
EN_DASH = "\u2013"


class _Ranked(Protocol):
    ratio: float | None
    low: float | None
    high: float | None


class Numbers:
    """The active language's way of writing the table's numbers, looked up once per table."""

    def __init__(self) -> None:
        self.sep = str(get_format("DECIMAL_SEPARATOR"))

    def plain(self, value: Any) -> str:
        if isinstance(value, float):
            return str(value).replace(".", self.sep)
        return escape(value)

    def fixed2(self, value: float) -> str:
        """As `floatformat:2` writes it."""
        return f"{value:.2f}".replace(".", self.sep)

    @staticmethod
    def percent(share: float | None) -> str:
        """As the `percent` filter writes it (web.templatetags.web.percent)."""
        return DASH if share is None else f"{share * 100:.0f}%"

    def interval(self, ranked: _Ranked | None) -> str:
        if ranked is None or ranked.ratio is None:
            return DASH
        low = "" if ranked.low is None else self.fixed2(ranked.low)
        high = "" if ranked.high is None else self.fixed2(ranked.high)
        return f'{self.fixed2(ranked.ratio)} <span class="meta">({low}{EN_DASH}{high})</span>'


def _default(value: Any, numbers: Numbers) -> str:
    """`{{ value|default:"—" }}`: the dash for None, empty and zero."""
    return DASH if not value else numbers.plain(value)


def _rank_attribute(rank: int | None) -> str:
    return f' data-rank="{rank}"' if rank else ""


def _rank_cell(rank: int | None, label_rank: str, too_few: str) -> str:
    inner = str(rank) if rank else f'<span class="badge">{too_few}</span>'
    return f'<td data-label="{label_rank}">{inner}</td>'


def skpd_rows(rows: Iterable[dict[str, Any]]) -> SafeString:
    """The SKPD ranking's body rows (web.dashboard._page_rows), every figure a link to its reports."""
    n = Numbers()
    label = {
        key: escape(text)
        for key, text in {
            "rank": _("Peringkat"), "unit": _("Unit"), "received": _("Diterima"), "on_time": _("Tepat waktu"),
            "ratio": _("Rasio (selang 95%)"), "first": _("Tanggapan pertama, jam kerja (median / P90)"),
            "answer": _("Jawaban akhir, jam kerja (median / P90)"), "completed": _("Selesai"),
            "reopened": _("Dibuka kembali"), "satisfaction": _("Kepuasan"), "breaches": _("Pelanggaran SLA"),
            "open": _("Belum dijawab"), "overdue": _("Terlambat sekarang"),
        }.items()
    }  # fmt: skip
    too_few = escape(_("data belum cukup"))
    children = escape(_("rincian sub-unit"))
    out = []
    for row in rows:
        f, link = row["figures"], {k: escape(v) for k, v in row["links"].items()}
        rank = row["rank"]
        name = str(escape(f.unit.name))
        if row["has_children"]:
            name += f' <a href="{link["children"]}" class="meta">{children}</a>'
        satisfaction = (
            f'<a href="{link["rated"]}">{n.plain(f.satisfaction)}</a> <span class="meta">({f.rating_n})</span>'
            if f.satisfaction
            else DASH
        )
        out.append(
            f"<tr{_rank_attribute(rank)}>"
            f"{_rank_cell(rank, label['rank'], too_few)}"
            f'<th scope="row" data-label="{label["unit"]}">{name}</th>'
            f'<td data-label="{label["received"]}"><a href="{link["received"]}">{f.received}</a></td>'
            f'<td data-label="{label["on_time"]}"><a href="{link["on_time"]}">{n.percent(f.on_time_share)}</a>'
            f' <span class="meta">({f.first_on_time}/{f.first_n})</span></td>'
            f'<td data-label="{label["ratio"]}">{n.interval(f.ranked)}</td>'
            f'<td data-label="{label["first"]}">{_default(f.first_median_h, n)} / {_default(f.first_p90_h, n)}</td>'
            f'<td data-label="{label["answer"]}"><a href="{link["answered"]}">{_default(f.answer_median_h, n)} / '
            f"{_default(f.answer_p90_h, n)}</a></td>"
            f'<td data-label="{label["completed"]}"><a href="{link["answered"]}">{n.percent(f.completion)}</a></td>'
            f'<td data-label="{label["reopened"]}"><a href="{link["reopened"]}">{n.percent(f.reopen_rate)}</a></td>'
            f'<td data-label="{label["satisfaction"]}">{satisfaction}</td>'
            f'<td data-label="{label["breaches"]}"><a href="{link["breached"]}">{f.breaches}</a></td>'
            f'<td data-label="{label["open"]}"><a href="{link["open"]}">{f.backlog}</a></td>'
            f'<td data-label="{label["overdue"]}"><a href="{link["overdue"]}">{f.overdue}</a></td>'
            "</tr>"
        )
    if not out:
        out.append(f'<tr><td colspan="13">{escape(_("Belum ada unit SKPD."))}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def league_rows(rows: Iterable[Any], who: str) -> SafeString:
    """The hub league's body rows (national_hub.stats.LeagueRow), Pemda or K/L (`who` names the column)."""
    n = Numbers()
    label = {
        key: escape(text)
        for key, text in {
            "rank": _("Peringkat"), "received": _("Diterima"), "on_time": _("Tepat waktu"),
            "ratio": _("Rasio (selang 95%)"), "first": _("Tanggapan pertama, jam kerja (median / P90)"),
            "answer": _("Jawaban akhir, jam kerja (median)"), "completed": _("Selesai"),
            "satisfaction": _("Kepuasan"), "breaches": _("Pelanggaran SLA"), "open": _("Belum dijawab"),
        }.items()
    }  # fmt: skip
    who = escape(who)
    too_few = escape(_("data belum cukup"))
    out = []
    for r in rows:
        code = escape(r.code)
        satisfaction = f'{n.plain(r.satisfaction)} <span class="meta">({r.rating_n})</span>' if r.satisfaction else DASH
        out.append(
            f'<tr{_rank_attribute(r.rank)} data-code="{code}">'
            f"{_rank_cell(r.rank, label['rank'], too_few)}"
            f'<th scope="row" data-label="{who}">{escape(r.name or r.code)} <span class="meta">{code}</span></th>'
            f'<td data-label="{label["received"]}">{r.received}</td>'
            f'<td data-label="{label["on_time"]}">{n.percent(r.on_time_share)}'
            f' <span class="meta">({r.first_on_time}/{r.first_n})</span></td>'
            f'<td data-label="{label["ratio"]}">{n.interval(r.ranked)}</td>'
            f'<td data-label="{label["first"]}">{_default(r.first_median_h, n)} / {_default(r.first_p90_h, n)}</td>'
            f'<td data-label="{label["answer"]}">{_default(r.answer_median_h, n)}</td>'
            f'<td data-label="{label["completed"]}">{n.percent(r.completion)}</td>'
            f'<td data-label="{label["satisfaction"]}">{satisfaction}</td>'
            f'<td data-label="{label["breaches"]}">{r.breaches}</td>'
            f'<td data-label="{label["open"]}">{r.open}</td>'
            "</tr>"
        )
    if not out:
        out.append(f'<tr><td colspan="11">{escape(_("Belum ada angka untuk periode ini."))}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def labelled_rows(header: list[str], rows: list[list[Any]]) -> SafeString:
    """A plain table's body rows, each cell with its column's name (data-label) for the narrow-screen
    layout; the first cell is the row's header. Used by the dashboard's weekly and monthly trends."""
    n = Numbers()
    labels = [escape(h) for h in header]
    out = []
    for row in rows:
        cells = zip(labels[1:], row[1:], strict=True)
        out.append(
            f'<tr><th scope="row" data-label="{labels[0]}">{n.plain(row[0])}</th>'
            + "".join(f'<td data-label="{label}">{n.plain(cell)}</td>' for label, cell in cells)
            + "</tr>"
        )
    if not out:
        out.append(f'<tr><td colspan="{len(header)}">{escape(_("Belum ada data dalam periode ini."))}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
