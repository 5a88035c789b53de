"""Open data at the hub (/data/): national tables summed from what each Pemda sent (PemdaStatsMonth),
never read from a Pemda's schema, with the same suppression as a Pemda's own tables."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.models import Category
from national_hub.models import PemdaStatsMonth
from national_hub.stats import TOTALS
from performance.measures import first_day_of_months_ago, quantile_hours
from performance.models import UnitMonthStats
from tenants.models import Pemda

pytestmark = pytest.mark.django_db
HUB = "localhost"
COUNT_COLUMNS = {"diterima", "didisposisi", "ditanggapi", "selesai", "jumlah_penilaian"}


def _month_ago(months: int) -> date:
    return first_day_of_months_ago(timezone.localdate(), months + 1)


def _sent(code: str, name: str, month: date, categories: dict[str, dict[str, int]], first: Any = None) -> None:
    """What national_hub.stats.pemda_stats_receive keeps of a Pemda's stats.update message."""
    totals = {counter: sum(c.get(counter, 0) for c in categories.values()) for counter in TOTALS}
    PemdaStatsMonth.objects.create(
        pemda_code=code, pemda_name=name, month=month, version=1, categories=categories,
        first_hist=first or {}, answer_hist={}, updated_at=timezone.now(), **totals,
    )  # fmt: skip


def _get(path: str) -> Any:
    return Client(HTTP_HOST=HUB).get(path)


def _csv(path: str) -> list[dict[str, str]]:
    answer = _get(path)
    assert answer.status_code == 200, answer.content[:500]
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


@pytest.fixture
def two_pemda(hub: Pemda, jakarta: Pemda) -> date:
    month = _month_ago(1)
    _sent("31", "Provinsi DKI Jakarta", month, {
        "jalan": {"received": 40, "disposed": 38, "first_n": 30, "first_on_time": 24, "completed": 20,
                  "rating_sum": 40, "rating_n": 10},
        "banjir": {"received": 3, "disposed": 3, "first_n": 3, "first_on_time": 3, "completed": 2},
        "sampah": {"received": 10, "disposed": 10, "first_n": 10, "first_on_time": 9, "completed": 9},
        "kesehatan": {"received": 8, "disposed": 8, "first_n": 8, "first_on_time": 8, "completed": 8},
    }, first={"0": 10, "3": 20})  # fmt: skip
    _sent("32.75", "Kota Bekasi", month, {
        "jalan": {"received": 12, "disposed": 12, "first_n": 10, "first_on_time": 5, "completed": 9,
                  "rating_sum": 15, "rating_n": 5},
        "banjir": {"received": 20, "disposed": 20, "first_n": 18, "first_on_time": 10, "completed": 15},
        "kesehatan": {"received": 9, "disposed": 9, "first_n": 9, "first_on_time": 9, "completed": 9},
    })  # fmt: skip
    _sent("31", "Provinsi DKI Jakarta", _month_ago(2), {"jalan": {"received": 6, "disposed": 6}})
    _sent("32.75", "Kota Bekasi", _month_ago(2), {"perizinan": {"received": 2}, "kesehatan": {"received": 5}})
    # Jakarta's own schema holds other figures: none of them may reach the hub's tables.
    with tenant_context(jakarta):
        road = Category.objects.get(code="jalan").pk
        UnitMonthStats.objects.create(unit_id=0, category_id=road, month=month, received=999)
    return month


@pytest.fixture
def schemas_entered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every schema the connection is switched to while the test runs."""
    wrapper = type(connections["default"])
    entered: list[str] = []
    original = wrapper.set_tenant

    def set_tenant(self: Any, tenant: Any, include_public: bool = True) -> None:
        entered.append(tenant.schema_name)
        original(self, tenant, include_public)

    monkeypatch.setattr(wrapper, "set_tenant", set_tenant)
    yield entered


def test_the_national_table_sums_two_pemda_without_touching_a_pemdas_schema(
    two_pemda: date, schemas_entered: list[str]
) -> None:
    with CaptureQueriesContext(connections["default"]) as queries:
        rows = {(r["bulan"], r["kategori_kode"]): r for r in _csv("/data/kategori-nasional-bulanan.csv")}
        by_pemda = _csv("/data/pemda-bulanan.csv")
    month = f"{two_pemda:%Y-%m}"
    road = rows[(month, "jalan")]
    assert (road["diterima"], road["didisposisi"], road["ditanggapi"], road["selesai"]) == ("52", "50", "40", "29")
    assert road["tepat_waktu"] == str(round(29 / 40, 3)) and road["kepuasan"] == str(round(55 / 15, 2))
    assert road["kategori"] == "Jalan dan jembatan" and rows[(month, "kesehatan")]["diterima"] == "17"
    earlier = f"{_month_ago(2):%Y-%m}"
    # Two permit reports in the whole country that month: hidden, with the next smallest (5).
    assert [rows[(earlier, code)]["diterima"] for code in ("jalan", "perizinan", "kesehatan")] == ["6", "", ""]
    # Flooding is 23 nationally, but Jakarta's 3 are hidden in Jakarta's own table: 23 minus Bekasi's
    # published 20 would give them away, so the national cell is hidden; and waste (10), the smallest
    # other cell of the month, with it (the month's national total is the sum of pemda-bulanan).
    assert rows[(month, "banjir")]["diterima"] == "" and rows[(month, "banjir")]["disembunyikan"] == "true"
    assert rows[(month, "sampah")]["diterima"] == ""
    totals = {r["pemda_kode"]: r for r in by_pemda if r["bulan"] == month}
    assert (totals["31"]["diterima"], totals["32.75"]["diterima"]) == ("61", "41")
    assert totals["31"]["pemda"] == "Provinsi DKI Jakarta"
    assert totals["31"]["median_tanggapan_jam"] == str(quantile_hours({0: 10, 3: 20}, 0.5))
    assert totals["32.75"]["median_tanggapan_jam"] == ""  # Bekasi sent no histogram
    # Only the hub's own schema; nothing of the Pemda's tables was read.
    assert set(schemas_entered) <= {"public"}
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "performance_" not in sql and "pemda_31" not in sql
    assert "999" not in json.dumps([list(rows.values()), by_pemda])


def test_no_count_from_one_to_four_appears_in_the_hubs_files(two_pemda: date) -> None:
    for name in ("pemda-bulanan", "kategori-nasional-bulanan"):
        for row in _csv(f"/data/{name}.csv"):
            for column in COUNT_COLUMNS & set(row):
                assert row[column] in ("", "0") or int(row[column]) >= 5, (name, row)
        for row in json.loads(_get(f"/data/{name}.json").content)["data"]:
            for column in COUNT_COLUMNS & set(row):
                assert row[column] is None or row[column] == 0 or row[column] >= 5, (name, row)


def test_the_hubs_datapackage_and_page_describe_its_national_tables(two_pemda: date) -> None:
    package = json.loads(_get("/data/datapackage.json").content)
    assert package["name"] == "lapor-nasional-data-terbuka" and package["licenses"][0]["name"] == "CC-BY-4.0"
    assert [r["name"] for r in package["resources"]] == ["pemda-bulanan", "kategori-nasional-bulanan"]
    for resource in package["resources"]:
        header = _get(resource["path"].removeprefix(f"http://{HUB}")).content.decode().splitlines()[0]
        assert header.split(",") == [f["name"] for f in resource["schema"]["fields"]]
    page = _get("/data/")
    assert page.status_code == 200 and "max-age=300" in page["Cache-Control"]
    text = page.content.decode()
    assert "Laporan nasional per kategori per bulan" in text and "CC BY 4.0" in text
    assert "/data/pemda-bulanan.csv" in text and "/data/kategori-nasional-bulanan.json" in text
    # A Pemda's tables are not the hub's.
    assert _get("/data/kecamatan-bulanan.csv").status_code == 404


def test_a_bad_period_at_the_hub_is_refused_with_a_reason(hub: Pemda) -> None:
    answer = _get("/data/pemda-bulanan.csv?dari=2026-02&sampai=2025-02")
    assert answer.status_code == 400 and "Bulan awal jatuh sesudah bulan akhir" in answer.content.decode()
    page = _get("/data/?sampai=13-2025")
    assert page.status_code == 400 and "Bulan 13-2025 tidak sah" in page.content.decode()
