"""The ranking tables written in Python (web.tables): the same links, numbers and escaping as the templates."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import translation

from performance.measures import Ranked
from performance.selectors import Period, UnitFigures
from web.dashboard import _period_query, drill, unit_links
from web.tables import Numbers, labelled_rows, league_rows, skpd_rows

PERIOD = Period(since=date(2026, 1, 1), until=date(2026, 6, 1))


def test_unit_links_are_the_links_drill_writes() -> None:
    links = unit_links(42, _period_query(PERIOD), {"dari": "2026-01"})
    assert links == {
        "received": drill(PERIOD, unit=42),
        "open": drill(None, unit=42, status="disposed"),
        "overdue": drill(None, unit=42, status="disposed", overdue="true"),
        "answered": drill(PERIOD, unit=42, status=["answered", "closed"]),
        "on_time": drill(PERIOD, unit=42, first_on_time="true"),
        "rated": drill(PERIOD, unit=42, rated="true"),
        "reopened": drill(PERIOD, unit=42, reopened="true"),
        "breached": drill(PERIOD, unit=42, breached="true"),
        "children": "?dari=2026-01&unit=42",
    }


def test_numbers_follow_the_reader_language() -> None:
    ranked = Ranked(unit_id=1, responded=40, on_time=38, expected=30.0, ratio=1.2666, low=0.9, high=1.74, enough=True)
    with translation.override("id"):
        assert Numbers().interval(ranked) == '1,27 <span class="meta">(0,90\u20131,74)</span>'
        assert Numbers().plain(4.25) == "4,25"
    with translation.override("en"):
        assert Numbers().interval(ranked) == '1.27 <span class="meta">(0.90\u20131.74)</span>'
    assert Numbers.percent(0.5) == "50%"
    assert Numbers.percent(None) == "—"


def test_names_are_escaped_and_too_few_is_marked() -> None:
    unit = SimpleNamespace(name='Dinas <script>alert("x")</script>', pk=7)
    figures = UnitFigures(unit=unit, received=3, first_n=2, first_on_time=1)  # type: ignore[arg-type]
    row = {"figures": figures, "rank": None, "has_children": True, "links": unit_links(7, _period_query(PERIOD), {})}
    with translation.override("id"):
        html = str(skpd_rows([row]))
    assert "<script>" not in html
    assert "Dinas &lt;script&gt;" in html
    assert "data belum cukup" in html and "data-rank" not in html
    assert 'href="/konsol/laporan/?unit=7&amp;submitted_from=' in html

    league = SimpleNamespace(
        code="32.75", name="Kota <b>Bekasi</b>", rank=3, received=10, first_on_time=8, first_n=9, on_time_share=8 / 9,
        ranked=None, first_median_h=None, first_p90_h=12.5, answer_median_h=0, completion=None, satisfaction=None,
        rating_n=0, breaches=1, open=2,
    )  # fmt: skip
    with translation.override("id"):
        html = str(league_rows([league], "Pemda"))
    assert 'data-rank="3" data-code="32.75"' in html
    assert "Kota &lt;b&gt;Bekasi&lt;/b&gt;" in html
    assert "— / 12,5" in html and "89%" in html


def test_trend_rows_label_each_cell_and_say_when_empty() -> None:
    with translation.override("id"):
        html = str(labelled_rows(["Bulan", "Diterima", "Tepat waktu"], [["2026-05", 12, "50%"], ["<b>", 0.5, "—"]]))
        empty = str(labelled_rows(["Bulan", "Diterima"], []))
    assert '<th scope="row" data-label="Bulan">2026-05</th><td data-label="Diterima">12</td>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html and ">0,5<" in html
    assert 'colspan="2"' in empty and "Belum ada data" in empty
