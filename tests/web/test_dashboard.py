"""The pimpinan's dashboard: who may read it, what it shows, where its numbers lead, what it exports."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from performance.aggregate import stats_drain
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.performance.test_aggregates import _work
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db
HOST = "jakarta.localhost"
IDENTITY = ("Siti Aminah", "siti@example.id", "081234567890")


def _logged_in(username: str) -> Client:
    client = Client(HTTP_HOST=HOST)
    staff_sign_in(client, username, f"{username}-pass-123")
    return client


@pytest.fixture
def worked(api: Api, cast: Any, units: Any, jakarta: Pemda) -> list[str]:
    tracking = _work(api, units)
    with tenant_context(jakarta):
        stats_drain()
    return tracking


def test_the_pimpinan_lands_on_the_ranking_and_every_unit_is_shown_with_its_figures(
    worked: list[str], units: Any
) -> None:
    pia = _logged_in("pia")
    assert pia.get("/konsol/")["Location"] == "/konsol/kinerja/"
    page = pia.get("/konsol/kinerja/").content.decode()
    assert "Dinas Perindustrian dan Energi" in page and "Dinas Bina Marga" in page
    # Two reports each, far below the minimum: neither is ranked first or last.
    assert page.count("data belum cukup") >= 2 and "data-rank=" not in page
    # Five received in Jakarta; the totals say so and the chart and tables are on the page.
    assert re.search(r"Laporan diterima</dt><dd><a href=\"[^\"]+\">5</a>", page)
    assert "<svg" in page and "Tren bulanan" in page


def test_a_figure_drills_down_to_the_reports_behind_it(worked: list[str], units: Any) -> None:
    pia = _logged_in("pia")
    page = pia.get("/konsol/kinerja/").content.decode()
    row = page[page.index("Dinas Perindustrian dan Energi") :]
    link = re.search(r'<a href="(/konsol/laporan/\?[^"]+)">2</a>', row).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query)["unit"] == [str(units.dpe.pk)]
    listed = pia.get(link).content.decode()
    # Street lighting's two reports, found through its dinas; none of Bina Marga's.
    assert len(re.findall(r'href="/konsol/laporan/\d+/"', listed)) == 2
    assert "Lampu jalan mati nomor 0" in listed and "Lampu jalan mati nomor 2" not in listed


def test_a_unit_officer_may_not_read_the_dashboard_and_a_stranger_must_log_in(worked: list[str]) -> None:
    assert _logged_in("otto").get("/konsol/kinerja/").status_code == 403
    assert Client(HTTP_HOST=HOST).get("/konsol/kinerja/")["Location"].startswith("/masuk/")
    assert _logged_in("audi").get("/konsol/kinerja/").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dari=2026-13", "tidak sah"),
        ("dari=kemarin", "tidak sah"),
        ("dari=2026-06&sampai=2026-01", "sesudah bulan akhir"),
        ("dari=2020-01&sampai=2026-01", "paling panjang"),
        ("sampai=2999-01", "melewati bulan ini"),
    ],
)
def test_a_period_that_makes_no_sense_is_explained(worked: list[str], query: str, message: str) -> None:
    answer = _logged_in("pia").get(f"/konsol/kinerja/?{query}")
    assert answer.status_code == 400
    assert message in answer.content.decode() and "<svg" not in answer.content.decode()


def test_a_drill_down_filter_that_makes_no_sense_is_explained(worked: list[str]) -> None:
    answer = _logged_in("pia").get("/konsol/laporan/?unit=abc&submitted_from=kemarin")
    assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()


def test_every_table_exports_to_csv_and_excel_without_a_reporters_identity(worked: list[str]) -> None:
    pia = _logged_in("pia")
    for table in ("peringkat", "bulan", "minggu"):
        answer = pia.get(f"/konsol/kinerja/?format=csv&tabel={table}")
        assert answer["Content-Disposition"] == f'attachment; filename="kinerja-{table}.csv"'
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert len(rows) >= 2 and not any(who in answer.content.decode("utf-8-sig") for who in IDENTITY)
        book = load_workbook(io.BytesIO(pia.get(f"/konsol/kinerja/?format=xlsx&tabel={table}").content))
        cells = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
        assert cells[0] == rows[0]  # the same header in both
        assert not any(who in str(cells) for who in IDENTITY)
    ranking = list(csv.reader(io.StringIO(pia.get("/konsol/kinerja/?format=csv").content.decode("utf-8-sig"))))
    by_unit = {row[1]: row for row in ranking[1:]}
    assert by_unit["Dinas Perindustrian dan Energi"][2] == "2" and by_unit["Dinas Bina Marga"][2] == "2"
    assert by_unit["Dinas Bina Marga"][0] == "data belum cukup"


def test_sub_units_are_ranked_inside_their_dinas(worked: list[str], units: Any) -> None:
    page = _logged_in("pia").get(f"/konsol/kinerja/?unit={units.dpe.pk}").content.decode()
    assert "Bidang Ketenagalistrikan" in page and "Dinas Bina Marga" not in page.split("<main", 1)[1]


def test_every_figure_of_a_row_opens_exactly_its_reports(worked: list[str], units: Any) -> None:
    pia = _logged_in("pia")
    page = pia.get("/konsol/kinerja/").content.decode()
    row = page[page.index("Dinas Perindustrian dan Energi") :].split("</tr>", 1)[0]
    links = {
        name: re.search(rf'href="([^"]*{name}=true[^"]*)"', row).group(1).replace("&amp;", "&")
        for name in ("first_on_time", "reopened", "breached")
    }
    listed = {name: pia.get(link).content.decode() for name, link in links.items()}
    # One street-lighting report stands answered on time (the row says 1 of 1); the other was
    # answered, rated, then reopened, which takes its answer back.
    assert re.search(r"\(1/1\)", row)
    assert len(re.findall(r'href="/konsol/laporan/\d+/"', listed["first_on_time"])) == 1
    assert "Lampu jalan mati nomor 1" in listed["first_on_time"]
    assert len(re.findall(r'href="/konsol/laporan/\d+/"', listed["reopened"])) == 1
    assert "Lampu jalan mati nomor 0" in listed["reopened"]
    assert "Tidak ada laporan yang cocok" in listed["breached"]
