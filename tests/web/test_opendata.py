"""Open data on a Pemda's host (/data/): what a reader downloads, what is hidden, and how it is described.

Small counts must never be published: a rare category in a small kecamatan could point at the
person who reported it. The tests read the files as a reader would (CSV and JSON over HTTP).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agencies.services import unit_ensure
from complaints.models import Category
from performance.aggregate import stats_drain
from performance.measures import bucket_of, first_day_of_months_ago, quantile_hours
from performance.models import ReportFact, UnitMonthHistogram, UnitMonthStats
from tenants.models import Pemda
from tests.complaints.conftest import Api
from web.opendata.tables import THRESHOLD, hidden_cells

pytestmark = pytest.mark.django_db
HOST = "jakarta.localhost"
RESOURCES = ("kategori-bulanan", "kecamatan-bulanan", "skpd-bulanan")
# Columns that count reports (the rest are keys, shares, means and medians).
COUNT_COLUMNS = {"diterima", "didisposisi", "ditanggapi", "selesai", "jumlah_penilaian"}
IDENTITY = ("Siti Aminah", "siti@example.id", "081234567890")
FREE_TEXT_PLACE = "Rumah Pak Darto di gang buntu"


def _get(path: str) -> Any:
    return Client(HTTP_HOST=HOST).get(path)


def _csv(path: str) -> list[dict[str, str]]:
    answer = _get(path)
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def _json(path: str) -> dict[str, Any]:
    answer = _get(path)
    assert answer.status_code == 200, answer.content[:500]
    return dict(json.loads(answer.content))


def _this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def filed(api: Api, cast: Any, units: Any, jakarta: Pemda) -> list[str]:
    """In Gambir: 7 road reports and 3 about flooding; 6 about waste somewhere typed freely."""
    sent = [api.submit(category="jalan", kecamatan="Gambir", title=f"Jalan rusak nomor {i}") for i in range(7)]
    sent += [api.submit(category="banjir", kecamatan="Gambir", title=f"Genangan di gang nomor {i}") for i in range(3)]
    sent += [api.submit(category="sampah", kecamatan=FREE_TEXT_PLACE, title=f"Sampah menumpuk {i}") for i in range(6)]
    with tenant_context(jakarta):
        stats_drain()
    return [s["tracking_id"] for s in sent]


def test_a_rare_category_in_a_kecamatan_is_hidden_and_a_common_one_shown(filed: list[str]) -> None:
    month = _this_month()
    rows = _csv("/data/kecamatan-bulanan.csv")
    gambir = {r["kategori_kode"]: r for r in rows if r["kecamatan"] == "Gambir" and r["bulan"] == month}
    assert gambir["jalan"]["diterima"] == "7" and gambir["jalan"]["disembunyikan"] == "false"
    assert gambir["jalan"]["kecamatan_kode"] == "31.71.01"
    # Three flooding reports in one kecamatan: the cell is empty and the row says so.
    assert gambir["banjir"]["diterima"] == "" and gambir["banjir"]["disembunyikan"] == "true"
    data = _json("/data/kecamatan-bulanan.json")["data"]
    found = {r["kategori_kode"]: r for r in data if r["kecamatan"] == "Gambir" and r["bulan"] == month}
    assert (found["jalan"]["diterima"], found["jalan"]["disembunyikan"]) == (7, False)
    assert (found["banjir"]["diterima"], found["banjir"]["disembunyikan"]) == (None, True)
    # A place typed freely is never published: those reports count on the row without a kecamatan.
    unnamed = [r for r in data if r["kecamatan"] is None and r["kategori_kode"] == "sampah"]
    assert len(unnamed) == 1


def test_the_category_table_hides_a_second_cell_so_the_months_total_gives_nothing_away(filed: list[str]) -> None:
    rows = {r["kategori_kode"]: r for r in _csv("/data/kategori-bulanan.csv") if r["bulan"] == _this_month()}
    assert rows["jalan"]["diterima"] == "7"
    # Flooding (3) is hidden; the month's total (16) is published at the hub, so waste (6), the
    # smallest other cell, is hidden too: 16 - 7 leaves 9 to two hidden cells, not 3 to one.
    assert rows["banjir"]["diterima"] == "" and rows["sampah"]["diterima"] == ""
    assert rows["banjir"]["disembunyikan"] == rows["sampah"]["disembunyikan"] == "true"
    # And a category hidden in the month hides its kecamatan breakdown too (it would add up to it).
    by_place = [r for r in _csv("/data/kecamatan-bulanan.csv") if r["kategori_kode"] == "sampah"]
    assert by_place and all(r["diterima"] == "" for r in by_place)


def test_no_count_from_one_to_four_and_nothing_about_a_reporter_appears_anywhere(filed: list[str]) -> None:
    bodies = [_get("/data/").content.decode(), _get("/data/datapackage.json").content.decode()]
    for name in RESOURCES:
        rows = _csv(f"/data/{name}.csv")
        document = _json(f"/data/{name}.json")
        for row in rows:
            for column in COUNT_COLUMNS & set(row):
                assert row[column] == "" or row[column] == "0" or int(row[column]) >= THRESHOLD, (name, row)
        for row in document["data"]:
            for column in COUNT_COLUMNS & set(row):
                assert row[column] is None or row[column] == 0 or row[column] >= THRESHOLD, (name, row)
        bodies += [_get(f"/data/{name}.csv").content.decode(), _get(f"/data/{name}.json").content.decode()]
    everything = "\n".join(bodies)
    for secret in (*IDENTITY, FREE_TEXT_PLACE, "Jalan rusak nomor", "Genangan di gang", "seminggu lampu", *filed):
        assert secret not in everything


def test_the_datapackage_describes_every_resource_as_its_csv_has_it(filed: list[str]) -> None:
    package = _json("/data/datapackage.json")
    # Data Package v1: `resources` (required, non-empty); name lower case; licences by name or path.
    assert re.fullmatch(r"[a-z0-9._-]+", package["name"])
    assert package["profile"] == "tabular-data-package" and package["title"]
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["licenses"][0]["path"].startswith("https://")
    assert [r["name"] for r in package["resources"]] == list(RESOURCES)
    for resource in package["resources"]:
        # Data Resource: name and path required; Tabular Data Resource: its profile and a schema.
        assert re.fullmatch(r"[a-z0-9._-]+", resource["name"])
        assert resource["profile"] == "tabular-data-resource" and resource["format"] == "csv"
        assert resource["path"] == f"http://{HOST}/data/{resource['name']}.csv"
        schema = resource["schema"]
        assert "" in schema["missingValues"]
        for field in schema["fields"]:
            assert field["name"] and field["description"]
            assert field["type"] in {"string", "integer", "number", "boolean", "yearmonth"}
        assert set(schema.get("primaryKey", [])) <= {f["name"] for f in schema["fields"]}
        header = _get(resource["path"].removeprefix(f"http://{HOST}")).content.decode().splitlines()[0]
        assert header.split(",") == [f["name"] for f in schema["fields"]]
        rows = _json(resource["jsonPath"].removeprefix(f"http://{HOST}"))["data"]
        assert rows and all(list(row) == header.split(",") for row in rows)


def test_a_period_that_makes_no_sense_is_refused_with_a_reason(jakarta: Pemda) -> None:
    next_year = timezone.localdate().year + 1
    cases = {
        "dari=2025-13": "Bulan 2025-13 tidak sah",
        "dari=maret": "Bulan maret tidak sah",
        "dari=2026-05&sampai=2026-01": "Bulan awal jatuh sesudah bulan akhir",
        f"sampai={next_year}-01": "Periode tidak boleh melewati bulan ini",
        "dari=2011-01&sampai=2020-01": "Periode paling panjang 60 bulan",
        "dari=0000-01": "Bulan 0000-01 tidak sah",
    }
    for query, message in cases.items():
        as_csv = _get(f"/data/kategori-bulanan.csv?{query}")
        assert as_csv.status_code == 400 and message in as_csv.content.decode(), query
        as_json = _get(f"/data/skpd-bulanan.json?{query}")
        assert as_json.status_code == 400 and message in as_json.json()["detail"], query
        described = _get(f"/data/datapackage.json?{query}")
        assert described.status_code == 400 and message in described.json()["detail"], query
        page = _get(f"/data/?{query}")
        assert page.status_code == 400 and message in page.content.decode(), query


def _month_ago(months: int) -> date:
    return first_day_of_months_ago(timezone.localdate(), months + 1)


def test_a_period_chosen_gives_those_months_and_the_links_keep_it(jakarta: Pemda) -> None:
    with tenant_context(jakarta):
        road = Category.objects.get(code="jalan").pk
        for months, received in ((1, 11), (3, 13), (30, 17)):
            UnitMonthStats.objects.create(unit_id=0, category_id=road, month=_month_ago(months), received=received)
    chosen = f"dari={_month_ago(3):%Y-%m}&sampai={_month_ago(1):%Y-%m}"
    rows = _csv(f"/data/kategori-bulanan.csv?{chosen}")
    assert [(r["bulan"], r["diterima"]) for r in rows] == [(f"{_month_ago(3):%Y-%m}", "13"),
                                                          (f"{_month_ago(1):%Y-%m}", "11")]  # fmt: skip
    # By default the last 24 months: the month of 30 months ago is not there.
    assert {r["diterima"] for r in _csv("/data/kategori-bulanan.csv")} == {"11", "13"}
    package = _json(f"/data/datapackage.json?{chosen}")
    assert all(r["path"].endswith(f".csv?{chosen}") for r in package["resources"])
    assert f"kategori-bulanan.csv?{chosen.replace('&', '&amp;')}" in _get(f"/data/?{chosen}").content.decode()


def test_the_skpd_table_rolls_sub_units_up_and_hides_what_few_reports_would_tell(jakarta: Pemda, units: Any) -> None:
    month = _month_ago(2)
    with tenant_context(jakarta):
        road = Category.objects.get(code="jalan").pk
        dlh = unit_ensure(code="DLH", name="Dinas Lingkungan Hidup", kind="dinas")

        def stats(unit_id: int, **counts: int) -> None:
            UnitMonthStats.objects.create(unit_id=unit_id, category_id=road, month=month, **counts)

        stats(0, received=6)  # not disposed yet
        # Street lighting (a section of DPE) and its bidang: they count for DPE.
        stats(units.pju.pk, received=8, disposed=8, first_n=8, first_on_time=6, completed=7, rating_sum=30,
              rating_n=8)  # fmt: skip
        stats(units.listrik.pk, received=4, disposed=4, first_n=4, first_on_time=4, completed=4)
        stats(units.dbm.pk, received=9, disposed=9, first_n=9, first_on_time=3, completed=6, rating_sum=6, rating_n=2)
        stats(dlh.pk, received=10, disposed=10, first_n=10, first_on_time=10, completed=10, rating_sum=28,
              rating_n=7)  # fmt: skip
        for bucket, count in ((0, 6), (3, 6)):
            UnitMonthHistogram.objects.create(unit_id=units.pju.pk, month=month, measure="first", bucket=bucket,
                                              count=count)  # fmt: skip
    rows = {r["skpd"]: r for r in _csv("/data/skpd-bulanan.csv") if r["bulan"] == f"{month:%Y-%m}"}
    dpe = rows["Dinas Perindustrian dan Energi"]
    assert (dpe["skpd_id"], dpe["diterima"], dpe["ditanggapi"]) == (str(units.dpe.pk), "12", "12")
    assert dpe["tepat_waktu"] == str(round(10 / 12, 3)) and dpe["penyelesaian"] == str(round(11 / 12, 3))
    assert dpe["median_tanggapan_jam"] == str(quantile_hours({0: 6, 3: 6}, 0.5))
    assert dpe["kepuasan"] == "3.75" and dpe["disembunyikan"] == "false"
    # Two ratings at Bina Marga: neither their number nor their mean is published; and since the
    # month's ratings are totalled at the hub, the next smallest (DLH's 7) is hidden with them.
    dbm, dlh_row = rows["Dinas Bina Marga"], rows["Dinas Lingkungan Hidup"]
    assert (dbm["jumlah_penilaian"], dbm["kepuasan"], dbm["disembunyikan"]) == ("", "", "true")
    assert (dlh_row["jumlah_penilaian"], dlh_row["kepuasan"]) == ("", "")
    assert dbm["tepat_waktu"] == str(round(3 / 9, 3)) and dlh_row["diterima"] == "10"
    # Reports nobody was disposed to yet have a row of their own, without a unit.
    assert rows[""]["skpd_id"] == "" and rows[""]["diterima"] == "6"


def test_the_median_by_category_uses_the_dashboards_hour_buckets_and_needs_five_responses(jakarta: Pemda) -> None:
    month = _month_ago(1)
    with tenant_context(jakarta):
        road, flood = Category.objects.get(code="jalan").pk, Category.objects.get(code="banjir").pk
        minutes = {road: [30, 90, 150, 600, 1200, 2000], flood: [45, 100, 700, 900]}
        report_id = 0
        for category, durations in minutes.items():
            UnitMonthStats.objects.create(unit_id=1, category_id=category, month=month, received=8, disposed=8,
                                          first_n=len(durations), first_on_time=len(durations))  # fmt: skip
            for duration in durations:
                report_id += 1
                ReportFact.objects.create(report_id=report_id, unit_id=1, category_id=category, month=month,
                                          week=month, first_minutes=duration)  # fmt: skip
        # A third category, so that hiding flooding's 4 responses takes waste's 5 with it, not the roads' 6.
        UnitMonthStats.objects.create(unit_id=1, category_id=Category.objects.get(code="sampah").pk, month=month,
                                      received=8, disposed=8, first_n=5, first_on_time=5)  # fmt: skip
    rows = {r["kategori_kode"]: r for r in _csv("/data/kategori-bulanan.csv")}
    buckets: dict[int, int] = {}
    for duration in minutes[road]:
        buckets[bucket_of(duration)] = buckets.get(bucket_of(duration), 0) + 1
    assert rows["jalan"]["median_tanggapan_jam"] == str(quantile_hours(buckets, 0.5))
    # Four responses about flooding: too few for a median (or a share) to be published.
    assert rows["banjir"]["median_tanggapan_jam"] == rows["banjir"]["tepat_waktu"] == ""
    assert rows["banjir"]["disembunyikan"] == "true"


def test_the_page_explains_the_tables_and_every_file_is_public_and_cached_briefly(jakarta: Pemda) -> None:
    page = _get("/data/")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in ("Data terbuka", "CC BY 4.0", "Angka kecil disembunyikan", "Pembaruan", "datapackage.json",
                     "Laporan per kecamatan, kategori dan bulan", "disembunyikan"):  # fmt: skip
        assert expected in text
    for name in RESOURCES:
        assert f"/data/{name}.csv" in text and f"/data/{name}.json" in text
    for path in ("/data/datapackage.json", "/data/kategori-bulanan.csv", "/data/skpd-bulanan.json"):
        answer = _get(path)  # no login
        assert answer.status_code == 200 and "max-age=300" in answer["Cache-Control"]
        assert answer["Access-Control-Allow-Origin"] == "*"
    assert _get("/data/tidak-ada.csv").status_code == 404
    assert _get("/data/kategori-bulanan.xml").status_code == 404
    # Every page's footer leads to it.
    assert 'href="/data/"' in _get("/").content.decode()


@pytest.mark.parametrize(
    ("cells", "hidden"),
    [
        ([0, 5, 12], []),  # zero says nothing; five is published
        ([3, 7, 9], [0, 1]),  # one small cell: the next smallest goes with it
        ([3, 4, 9], [0, 1]),  # two small cells that add up to 7: enough
        ([1, 1, 0, 20, 30], [0, 1, 3]),  # two cells adding up to 2 would still tell: one more
        ([2, 0, 0], [0]),  # nothing else to hide: the total (2) is hidden where it is published
    ],
)
def test_hidden_cells_never_leave_one_small_cell_to_a_subtraction(cells: list[int], hidden: list[int]) -> None:
    rows = [{"bulan": "2026-01", "diterima": n} for n in cells]
    found = hidden_cells(rows, counts=["diterima"], groups=[("bulan",)])
    assert [i for i, cell in enumerate(found) if cell] == hidden


def test_a_row_whose_reports_received_are_hidden_hides_all_its_counts() -> None:
    rows = [{"diterima": 3, "selesai": 0}, {"diterima": 8, "selesai": 6}]
    assert hidden_cells(rows, counts=["diterima", "selesai"]) == [{"diterima", "selesai"}, set()]
