"""The hub's open data (/data/ at the hub): national tables per month, by Pemda and by category,
summed from the totals each Pemda sends through sync (PemdaStatsMonth). The hub never reads a
Pemda's schema: one grouped query over its own table, whatever the number of Pemda.

Suppression is web.opendata.tables', plus one rule of the hub's: a national category cell is hidden
when the part of it coming from Pemda whose own cell is below THRESHOLD adds up to 1 to THRESHOLD - 1,
because every Pemda publishes its own category table and "national minus what the Pemda show" would
point at that part. Not guarded: a Pemda's monthly total here (pemda-bulanan) against that Pemda's
own tables; those tables are guarded against it (a month is a group whose total is published here),
and a hidden whole-Pemda monthly total points at no place and no rare category.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from complaints.seed import DEFAULT_CATEGORIES, NATIONAL_CATEGORIES
from lapor.replica import read_connection, replica_reads
from national_hub.models import PemdaStatsMonth
from performance.selectors import Period
from web.opendata.tables import (
    CATEGORY,
    CATEGORY_CODE,
    FLAGGED,
    MONTH,
    THRESHOLD,
    Catalog,
    Field,
    Row,
    Table,
    measure_values,
    measures,
    published,
)
from web.opendata.views import opendata_descriptor, opendata_page, opendata_resource

# The counters each Pemda sends per category (performance.hub) that the tables publish or derive from.
_SUMMED = ("received", "disposed", "first_n", "first_on_time", "completed", "rating_sum", "rating_n")
# Those published as counts, by the published column's name.
_COUNTED = {"received": "diterima", "disposed": "didisposisi", "first_n": "ditanggapi", "completed": "selesai",
            "rating_n": "jumlah_penilaian"}  # fmt: skip

PEMDA_MONTH = Table(
    "pemda-bulanan",
    gettext_lazy("Kinerja per Pemda per bulan"),
    gettext_lazy(
        "Untuk setiap bulan dan Pemda yang terhubung: laporan diterima, didisposisikan, ditanggapi dan selesai, "
        "ketepatan dan median waktu tanggapan pertama, penyelesaian dan kepuasan pelapor, seperti yang dikirim "
        "Pemda itu ke hub."
    ),
    (
        MONTH,
        Field("pemda_kode", "string", gettext_lazy("Kode Kemendagri"),
              gettext_lazy("Kode wilayah Pemda menurut Kemendagri (mis. 31, 32.73)."), constraints={"required": True}),
        Field("pemda", "string", gettext_lazy("Pemda"), gettext_lazy("Nama Pemda.")),
        *measures(),
        FLAGGED,
    ),
    groups=(("bulan",),),
    primary_key=("bulan", "pemda_kode"),
)  # fmt: skip
NATIONAL_CATEGORY_MONTH = Table(
    "kategori-nasional-bulanan",
    gettext_lazy("Laporan nasional per kategori per bulan"),
    gettext_lazy(
        "Untuk setiap bulan dan kategori: jumlah dari semua Pemda yang terhubung (laporan diterima, "
        "didisposisikan, ditanggapi, selesai, penilaian), dengan bagian tepat waktu, penyelesaian dan kepuasan."
    ),
    (MONTH, CATEGORY_CODE, CATEGORY, *measures(median=False), FLAGGED),
    groups=(("bulan",),),
    primary_key=("bulan", "kategori_kode"),
)


def pemda_month_rows(period: Period) -> list[Row]:
    """Per month and Pemda, the totals it last sent, with its first-response histogram."""
    months: Any = PemdaStatsMonth.objects.filter(month__gte=period.since, month__lte=period.until).values(
        "month", "pemda_code", "pemda_name", "first_hist", *_SUMMED
    )
    rows = []
    for m in months:
        values = measure_values(m)
        if values["diterima"] or values["didisposisi"]:
            rows.append({
                "bulan": f"{m['month']:%Y-%m}", "pemda_kode": m["pemda_code"], "pemda": m["pemda_name"], **values,
                "first_hist": m["first_hist"] or {},
            })  # fmt: skip
    return sorted(rows, key=lambda r: (r["bulan"], r["pemda_kode"]))


def national_category_rows(period: Period) -> tuple[list[Row], list[set[str]]]:
    """Per month and category, the sums over every Pemda's `categories`, and each row's cells to hide
    (rule of the module); summed by PostgreSQL with jsonb_each, one query."""
    value = "COALESCE((c.value ->> '{0}')::bigint, 0)"
    sums = ", ".join(f"SUM({value.format(name)})" for name in _SUMMED)
    small = ", ".join(
        f"SUM(CASE WHEN {value.format(name)} BETWEEN 1 AND %(below)s THEN {value.format(name)} ELSE 0 END)"
        for name in _COUNTED
    )
    table = PemdaStatsMonth._meta.db_table
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT s.month, c.key, {sums}, {small}"
            f" FROM {table} s CROSS JOIN LATERAL jsonb_each(s.categories) AS c(key, value)"
            " WHERE s.month BETWEEN %(since)s AND %(until)s AND jsonb_typeof(c.value) = 'object'"
            " GROUP BY s.month, c.key ORDER BY s.month, c.key",
            {"below": THRESHOLD - 1, "since": period.since, "until": period.until},
        )
        found = cursor.fetchall()
    names = {code: name for code, name, _en in (*DEFAULT_CATEGORIES, *NATIONAL_CATEGORIES)}
    rows: list[Row] = []
    forced: list[set[str]] = []
    for month, code, *figures in found:
        totals = dict(zip(_SUMMED, figures[: len(_SUMMED)], strict=True))
        parts = dict(zip(_COUNTED, figures[len(_SUMMED) :], strict=True))
        values = measure_values({k: int(v) for k, v in totals.items()})
        if not (values["diterima"] or values["didisposisi"]):
            continue
        rows.append({"bulan": f"{month:%Y-%m}", "kategori_kode": code, "kategori": names.get(code), **values})
        forced.append({_COUNTED[k] for k, part in parts.items() if 0 < part < THRESHOLD})
    return rows, forced


def national_open_data(period: Period) -> dict[str, list[Row]]:
    categories, forced = national_category_rows(period)
    return {
        PEMDA_MONTH.name: published(PEMDA_MONTH, pemda_month_rows(period)),
        NATIONAL_CATEGORY_MONTH.name: published(NATIONAL_CATEGORY_MONTH, categories, forced=forced),
    }


def hub_catalog() -> Catalog:
    return Catalog(
        name="lapor-nasional-data-terbuka",
        title=_("Data terbuka LAPOR! nasional"),
        description=_(
            "Angka bulanan dari semua Pemda yang terhubung ke LAPOR!: per Pemda dan per kategori, dijumlahkan dari "
            "rekap yang dikirim setiap Pemda ke hub nasional. Tanpa nama, kontak, isi laporan atau nomor pelacakan; "
            "jumlah di bawah %(n)s laporan dikosongkan."
        )
        % {"n": THRESHOLD},
        publisher=_("Hub nasional LAPOR!"),
        tables=(PEMDA_MONTH, NATIONAL_CATEGORY_MONTH),
        compute=national_open_data,
        today=timezone.localdate(),
    )


@replica_reads
@require_safe
def hub_data_page(request: HttpRequest) -> HttpResponse:
    return opendata_page(request, hub_catalog())


@replica_reads
@require_safe
def hub_data_descriptor(request: HttpRequest) -> HttpResponse:
    return opendata_descriptor(request, hub_catalog())


@replica_reads
@require_safe
def hub_data_resource(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    return opendata_resource(request, hub_catalog(), name, fmt)
