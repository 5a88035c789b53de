"""The standard SKPD tree a new Pemda starts with, by kind, and its seeder for LAPOR_TENANT_SEEDERS.

The list follows the usual nomenclature of perangkat daerah (PP 18/2016 and its Permendagri):
sekretariat, inspektorat, badan and dinas, Satpol PP, BPBD. Concurrent affairs differ by level:
energy and forestry are provincial, population records (Dukcapil), village empowerment and fire
services belong to kabupaten/kota. Below a kabupaten/kota come its kecamatan and kelurahan from
the region data (desa are self-governing villages, not perangkat daerah, so they are left out).
A Pemda renames, merges or adds units afterwards; the template is only the starting point.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from agencies.models import Unit, UnitKind
from tenants.models import Pemda, PemdaKind
from tenants.regions import subregions_of

PROVINSI = PemdaKind.PROVINSI
KABUPATEN = PemdaKind.KABUPATEN
KOTA = PemdaKind.KOTA
ALL = (PROVINSI, KABUPATEN, KOTA)
KABKOTA = (KABUPATEN, KOTA)


@dataclass(frozen=True)
class UnitTemplate:
    code: str
    name: str
    short_name: str
    kind: str
    levels: tuple[str, ...] = ALL


STANDARD_UNITS: list[UnitTemplate] = [
    UnitTemplate("SETDA", "Sekretariat Daerah", "Setda", UnitKind.SEKRETARIAT),
    UnitTemplate("SETWAN", "Sekretariat DPRD", "Setwan", UnitKind.SEKRETARIAT),
    UnitTemplate("INSP", "Inspektorat", "Inspektorat", UnitKind.INSPEKTORAT),
    UnitTemplate("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Bappeda", UnitKind.BADAN),
    UnitTemplate("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", UnitKind.BADAN),
    UnitTemplate("BAPENDA", "Badan Pendapatan Daerah", "Bapenda", UnitKind.BADAN),
    UnitTemplate("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM", UnitKind.BADAN),
    UnitTemplate("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol", UnitKind.BADAN),
    UnitTemplate("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", UnitKind.BADAN),
    UnitTemplate("DISDIK", "Dinas Pendidikan", "Disdik", UnitKind.DINAS),
    UnitTemplate("DINKES", "Dinas Kesehatan", "Dinkes", UnitKind.DINAS),
    UnitTemplate("RSUD", "Rumah Sakit Umum Daerah", "RSUD", UnitKind.UPT),
    UnitTemplate("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR", UnitKind.DINAS),
    UnitTemplate("DPRKP", "Dinas Perumahan Rakyat dan Kawasan Permukiman", "Disperkim", UnitKind.DINAS),
    UnitTemplate("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP", UnitKind.SATPOL),
    UnitTemplate("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar", UnitKind.DINAS, KABKOTA),
    UnitTemplate("DINSOS", "Dinas Sosial", "Dinsos", UnitKind.DINAS),
    UnitTemplate("DISNAKER", "Dinas Tenaga Kerja", "Disnaker", UnitKind.DINAS),
    UnitTemplate("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A", UnitKind.DINAS),
    UnitTemplate("DKP", "Dinas Ketahanan Pangan", "DKP", UnitKind.DINAS),
    UnitTemplate("DLH", "Dinas Lingkungan Hidup", "DLH", UnitKind.DINAS),
    UnitTemplate("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", UnitKind.DINAS, KABKOTA),
    UnitTemplate("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD", UnitKind.DINAS),
    UnitTemplate("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "DPPKB", UnitKind.DINAS),
    UnitTemplate("DISHUB", "Dinas Perhubungan", "Dishub", UnitKind.DINAS),
    UnitTemplate("DISKOMINFO", "Dinas Komunikasi dan Informatika", "Diskominfo", UnitKind.DINAS),
    UnitTemplate("DISKOPUKM", "Dinas Koperasi dan Usaha Kecil Menengah", "Diskop UKM", UnitKind.DINAS),
    UnitTemplate("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP", UnitKind.DINAS),
    UnitTemplate("DISPORA", "Dinas Kepemudaan dan Olahraga", "Dispora", UnitKind.DINAS),
    UnitTemplate("DISPAR", "Dinas Pariwisata dan Kebudayaan", "Disparbud", UnitKind.DINAS),
    UnitTemplate("DISPUSIP", "Dinas Perpustakaan dan Kearsipan", "Dispusip", UnitKind.DINAS),
    UnitTemplate("DKPP", "Dinas Kelautan dan Perikanan", "DKP", UnitKind.DINAS),
    UnitTemplate("DISTAN", "Dinas Pertanian", "Distan", UnitKind.DINAS),
    UnitTemplate("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "Disperindag", UnitKind.DINAS),
    UnitTemplate("DESDM", "Dinas Energi dan Sumber Daya Mineral", "Dinas ESDM", UnitKind.DINAS, (PROVINSI,)),
    UnitTemplate("DISHUT", "Dinas Kehutanan", "Dishut", UnitKind.DINAS, (PROVINSI,)),
]


@dataclass(frozen=True)
class PlannedUnit:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None


def skpd_plan(*, pemda: Pemda) -> list[PlannedUnit]:
    """Every unit of the standard tree for this Pemda, parents before children."""
    planned = [
        PlannedUnit(t.code, t.name, t.short_name, t.kind, None) for t in STANDARD_UNITS if pemda.kind in t.levels
    ]
    if pemda.kind in KABKOTA:
        for sub in subregions_of(pemda.code):
            parent = None if sub.kind == "kecamatan" else f"KEC-{sub.parent_code}"
            prefix = "KEC" if sub.kind == "kecamatan" else "KEL"
            planned.append(PlannedUnit(f"{prefix}-{sub.code}", sub.name, "", sub.kind, parent))
    return planned


def skpd_seed(pemda: Pemda) -> None:
    """Seeder (LAPOR_TENANT_SEEDERS): add the units of the standard tree this Pemda lacks.

    Idempotent: units are matched by code, existing ones (perhaps renamed by the Pemda) are left
    alone. New ids are drawn from the table's sequence in one query so each unit's materialized
    path is known before the single bulk insert; a national onboarding inserts ~35,000 units.
    """
    existing = dict(Unit.objects.values_list("code", "path"))
    missing = [u for u in skpd_plan(pemda=pemda) if u.code not in existing]
    if not missing:
        return
    table = Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(missing)]
        )
        ids = [row[0] for row in cursor.fetchall()]
    paths = dict(existing)
    rows = []
    for unit_id, unit in zip(ids, missing, strict=True):
        parent_path = paths[unit.parent_code] if unit.parent_code else "/"
        paths[unit.code] = f"{parent_path}{unit_id}/"
        rows.append(
            Unit(
                id=unit_id,
                code=unit.code,
                name=unit.name,
                short_name=unit.short_name,
                kind=unit.kind,
                parent_id=int(parent_path.rstrip("/").rsplit("/", 1)[-1]) if unit.parent_code else None,
                path=paths[unit.code],
            )
        )
    Unit.objects.bulk_create(rows, batch_size=2000)
