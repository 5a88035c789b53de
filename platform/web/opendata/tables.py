"""What the open data publishes: its tables, their columns, and the rule that hides small counts.

Pure functions over rows already summed (web.opendata.selectors reads them on a Pemda host,
national_hub.opendata at the hub); nothing here reads the database.

Suppression, with THRESHOLD = 5, in this order (the page /data/ says the same in plain words):

1. A count from 1 to THRESHOLD - 1 is published empty. Zero stays zero: nobody is behind it.
2. A row whose reports received are hidden has all its counts hidden (they are parts of it).
3. Complementary disclosure: in each group of cells whose sum is published elsewhere (a Pemda's
   categories, SKPD or the Pemda of a month add up to the monthly totals the hub publishes; the
   kecamatan of a category and month add up to that category's cell), the hidden cells of a column
   are at least two and add up to THRESHOLD or more, or else the group's smallest shown cells are
   hidden too. "Total minus what is shown" then never points at one small cell.
4. A derived figure (a share, a mean, a median) is published only when the count it is computed
   from is THRESHOLD or more and neither that count nor its numerator is hidden.
5. A table may force more cells hidden (selectors: a category hidden in a month hides its whole
   kecamatan breakdown; the hub hides a national cell whose small per-Pemda part is 1 to 4).

Every row says whether anything in it was withheld (`disembunyikan`). Every group lies within one
month, so the period a reader asks for changes which months are listed, never what a month shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from performance.measures import quantile_hours
from performance.selectors import Period

# Counts below this are never published, nor figures computed from fewer reports. Five is the
# smallest cell most statistics offices publish from administrative records (e.g. Eurostat's and
# the UK ONS's guidance); a Pemda cannot lower it.
THRESHOLD = 5

# What a column holds, which decides how it is published.
KEY = "key"  # identifies the row (month, category, kecamatan, unit, Pemda)
COUNT = "count"  # a number of reports: hidden from 1 to THRESHOLD - 1
SHARE = "share"  # source / base, 0-1
MEAN = "mean"  # source / base
HOURS = "hours"  # the median of the histogram in source
FLAG = "flag"

Row = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """A column: its Table Schema name, type, title and description, and how it is published."""

    name: str
    type: str  # Table Schema type: string, integer, number, boolean, yearmonth
    title: StrOrPromise
    description: StrOrPromise
    kind: str = KEY
    base: str = ""  # derived figures: the count they are computed from
    source: str = ""  # derived figures: the numerator (or histogram) beside the counts
    constraints: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """One resource of the data package."""

    name: str  # resource name and file name: lower case, digits and "-" (Data Package spec)
    title: StrOrPromise
    description: StrOrPromise
    fields: tuple[Field, ...]
    # Key columns of the groups whose sums are published elsewhere (rule 3).
    groups: tuple[tuple[str, ...], ...] = ()
    primary_key: tuple[str, ...] = ()

    @property
    def counts(self) -> list[str]:
        return [f.name for f in self.fields if f.kind == COUNT]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Catalog:
    """The data package of one host: a Pemda's tables, or the hub's national ones."""

    name: str  # package name (lower case, digits, ".", "-")
    title: str
    description: str
    publisher: str
    tables: tuple[Table, ...]
    # Every table of a period, published (suppression applied): computed together because one
    # table's hidden cells decide another's.
    compute: Callable[[Period], dict[str, list[Row]]]
    today: date  # the host's local date: the default period ends in its month

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


# --- columns ---------------------------------------------------------------------------------------

MONTH = Field(
    "bulan", "yearmonth", _("Bulan"),
    _("Bulan pengiriman laporan (YYYY-MM, waktu setempat Pemda). Setiap laporan dihitung pada bulan "
      "pengirimannya, jadi angka sebuah bulan masih berubah selama laporannya belum selesai."),
    constraints={"required": True},
)  # fmt: skip
CATEGORY_CODE = Field(
    "kategori_kode", "string", _("Kode kategori"), _("Kode kategori laporan (tetap, tidak diterjemahkan)."),
    constraints={"required": True},
)  # fmt: skip
CATEGORY = Field("kategori", "string", _("Kategori"), _("Nama kategori laporan."))
FLAGGED = Field(
    "disembunyikan", "boolean", _("Ada angka disembunyikan"),
    format_lazy(
        _("true bila satu angka atau lebih pada baris ini dikosongkan oleh aturan penyembunyian angka kecil "
          "(jumlah di bawah {n}, atau angka yang dapat dipakai untuk menghitungnya)."),
        n=THRESHOLD,
    ),
    kind=FLAG,
)  # fmt: skip


def _count(name: str, title: StrOrPromise, description: StrOrPromise) -> Field:
    return Field(name, "integer", title, description, kind=COUNT, constraints={"minimum": 0})


RECEIVED = _count(
    "diterima", _("Laporan diterima"), _("Laporan yang dikirim warga pada bulan itu, dari semua saluran.")
)
DISPOSED = _count(
    "didisposisi", _("Didisposisikan"), _("Laporan yang sudah diverifikasi dan diteruskan ke perangkat daerah (SKPD).")
)
RESPONDED = _count(
    "ditanggapi", _("Ditanggapi"), _("Laporan terdisposisi yang sudah mendapat tanggapan pertama dari SKPD.")
)
ON_TIME = Field(
    "tepat_waktu", "number", _("Bagian tanggapan tepat waktu"),
    _("Bagian tanggapan pertama yang diberikan sebelum batas waktunya (5 hari kerja sejak disposisi), 0 sampai 1, "
      "dari kolom ditanggapi."),
    kind=SHARE, base="ditanggapi", source="first_on_time", constraints={"minimum": 0, "maximum": 1},
)  # fmt: skip
MEDIAN = Field(
    "median_tanggapan_jam", "number", _("Median tanggapan pertama (jam kerja)"),
    _("Median waktu dari disposisi sampai tanggapan pertama, dalam jam kerja (08.00-16.00 hari kerja menurut "
      "kalender Pemda); tepat sampai jam di bawah 8 jam, di atasnya diperkirakan dalam rentang jamnya."),
    kind=HOURS, base="ditanggapi", source="first_hist", constraints={"minimum": 0},
)  # fmt: skip
COMPLETED = _count(
    "selesai", _("Selesai"), _("Laporan terdisposisi yang sudah dijawab tuntas atau ditutup (yang dibuka kembali "
                               "oleh pelapor tidak dihitung).")
)  # fmt: skip
COMPLETION = Field(
    "penyelesaian", "number", _("Tingkat penyelesaian"), _("selesai dibagi didisposisi, 0 sampai 1."),
    kind=SHARE, base="didisposisi", source="selesai", constraints={"minimum": 0, "maximum": 1},
)  # fmt: skip
RATED = _count("jumlah_penilaian", _("Jumlah penilaian"), _("Laporan yang diberi nilai (1-5) oleh pelapornya."))
SATISFACTION = Field(
    "kepuasan", "number", _("Kepuasan pelapor"), _("Rata-rata nilai pelapor (1 sampai 5), dari jumlah_penilaian."),
    kind=MEAN, base="jumlah_penilaian", source="rating_sum", constraints={"minimum": 1, "maximum": 5},
)  # fmt: skip


def measures(*, median: bool = True) -> tuple[Field, ...]:
    """The performance columns shared by the tables by category, SKPD and Pemda."""
    chosen = (RECEIVED, DISPOSED, RESPONDED, ON_TIME, MEDIAN, COMPLETED, COMPLETION, RATED, SATISFACTION)
    return tuple(f for f in chosen if median or f is not MEDIAN)


def measure_values(sums: Mapping[str, Any]) -> Row:
    """The columns of `measures()` from the performance counters' names (as summed by the selectors)."""
    return {
        "diterima": sums.get("received") or 0,
        "didisposisi": sums.get("disposed") or 0,
        "ditanggapi": sums.get("first_n") or 0,
        "first_on_time": sums.get("first_on_time") or 0,
        "selesai": sums.get("completed") or 0,
        "jumlah_penilaian": sums.get("rating_n") or 0,
        "rating_sum": sums.get("rating_sum") or 0,
    }


CATEGORY_MONTH = Table(
    "kategori-bulanan",
    _("Laporan per kategori per bulan"),
    _("Untuk setiap bulan dan kategori: laporan diterima, didisposisikan, ditanggapi dan selesai, bagian tanggapan "
      "pertama yang tepat waktu, median waktunya dalam jam kerja, dan kepuasan pelapor."),
    (MONTH, CATEGORY_CODE, CATEGORY, *measures(), FLAGGED),
    groups=(("bulan",),),
    primary_key=("bulan", "kategori_kode"),
)  # fmt: skip
KECAMATAN_MONTH = Table(
    "kecamatan-bulanan",
    _("Laporan per kecamatan, kategori dan bulan"),
    _("Laporan diterima untuk setiap bulan, kecamatan dan kategori. Kecamatan hanya yang dipilih pelapor dari "
      "daftar wilayah Kemendagri; laporan tanpa kecamatan yang dikenal dihitung pada baris dengan kecamatan kosong. "
      "Bila jumlah sebuah kategori dalam sebulan disembunyikan di tabel per kategori, seluruh rinciannya per "
      "kecamatan juga disembunyikan."),
    (
        MONTH,
        Field("kecamatan_kode", "string", _("Kode kecamatan"),
              _("Kode Kemendagri kecamatan; kosong bila tidak diketahui atau namanya dipakai lebih dari satu "
                "kecamatan Pemda ini.")),
        Field("kecamatan", "string", _("Kecamatan"),
              _("Nama kecamatan menurut data wilayah Kemendagri; kosong: pelapor tidak menyebut kecamatan yang "
                "dikenal.")),
        CATEGORY_CODE,
        CATEGORY,
        RECEIVED,
        FLAGGED,
    ),
    groups=(("bulan", "kategori_kode"),),
)  # fmt: skip
SKPD_MONTH = Table(
    "skpd-bulanan",
    _("Kinerja per SKPD per bulan"),
    _("Untuk setiap bulan dan perangkat daerah tingkat teratas (dinas, badan, kota administrasi ...), dengan "
      "seluruh sub-unitnya: laporan yang didisposisikan kepadanya, ketepatan dan median waktu tanggapan pertama, "
      "penyelesaian dan kepuasan pelapor. Baris dengan SKPD kosong: laporan yang belum didisposisikan (masih "
      "diverifikasi, diarsipkan, atau dirujuk ke instansi lain)."),
    (
        MONTH,
        Field("skpd_id", "integer", _("Nomor SKPD"),
              _("Nomor tetap SKPD di LAPOR! Pemda ini (tetap walau namanya berubah); kosong: belum didisposisikan.")),
        Field("skpd", "string", _("SKPD"), _("Nama perangkat daerah; kosong: belum didisposisikan.")),
        *measures(),
        FLAGGED,
    ),
    groups=(("bulan",),),
)  # fmt: skip


# --- suppression ---------------------------------------------------------------------------------------


def hidden_cells(
    rows: Sequence[Mapping[str, Any]],
    *,
    counts: Sequence[str],
    groups: Iterable[Sequence[str]] = (),
    forced: Sequence[Iterable[str]] | None = None,
    lead: str = "diterima",
) -> list[set[str]]:
    """Which count cells of each row are published empty (rules 1, 2, 3 and 5 of the module)."""
    hidden = [{c for c in counts if 0 < row[c] < THRESHOLD} for row in rows]
    for cells, extra in zip(hidden, forced or [], strict=False):
        cells.update(extra)
    members: list[list[int]] = []
    for keys in groups:
        index: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            index[tuple(row[k] for k in keys)].append(i)
        members.extend(index.values())
    # Hiding only grows, so this settles: at most every cell hidden.
    changed = True
    while changed:
        changed = False
        if lead in counts:
            for cells in hidden:
                if lead in cells and len(cells) < len(counts):
                    cells.update(counts)
                    changed = True
        for group in members:
            for column in counts:
                changed |= _complement(rows, hidden, group, column)
    return hidden


def _complement(rows: Sequence[Mapping[str, Any]], hidden: list[set[str]], group: list[int], column: str) -> bool:
    """Hide the group's smallest shown cells until its hidden cells are two or more summing to THRESHOLD.

    Hidden zeros do not count: a residue of zero tells that they are zero, which is published anyway.
    """
    gone = [i for i in group if column in hidden[i] and rows[i][column] > 0]
    if not gone:
        return False
    total = sum(rows[i][column] for i in gone)
    shown = sorted((rows[i][column], i) for i in group if column not in hidden[i] and rows[i][column] > 0)
    changed = False
    while shown and (len(gone) < 2 or total < THRESHOLD):
        value, i = shown.pop(0)
        hidden[i].add(column)
        gone.append(i)
        total += value
        changed = True
    return changed


def _derived(f: Field, row: Mapping[str, Any], hidden: set[str]) -> tuple[float | None, bool]:
    """A derived figure and whether it was withheld (None without withholding: nothing to compute)."""
    base = row[f.base]
    if not base:
        return None, False
    enough = base >= THRESHOLD and f.base not in hidden and f.source not in hidden
    if f.kind == HOURS:
        histogram = {int(k): int(v) for k, v in (row.get(f.source) or {}).items()}
        responses = sum(histogram.values())
        if not responses:
            return None, False
        if not enough or responses < THRESHOLD:
            return None, True
        return quantile_hours(histogram, 0.5), False
    if not enough:
        return None, True
    value = row[f.source] / base
    return round(value, 3 if f.kind == SHARE else 2), False


def published(
    table: Table, rows: Sequence[Mapping[str, Any]], *, forced: Sequence[Iterable[str]] | None = None
) -> list[Row]:
    """The rows as the public sees them: keys, counts (None when hidden), derived figures, the flag."""
    hidden = hidden_cells(rows, counts=table.counts, groups=table.groups, forced=forced)
    out: list[Row] = []
    for row, gone in zip(rows, hidden, strict=True):
        values: Row = {}
        withheld = bool(gone)
        for f in table.fields:
            if f.kind == KEY:
                values[f.name] = row.get(f.name)
            elif f.kind == COUNT:
                values[f.name] = None if f.name in gone else row[f.name]
            elif f.kind in (SHARE, MEAN, HOURS):
                values[f.name], cut = _derived(f, row, gone)
                withheld = withheld or cut
        values[FLAGGED.name] = withheld
        out.append(values)
    return out
