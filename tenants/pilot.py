"""The DKI Jakarta pilot: its registry entry and a first set of real SKPD.

Jakarta is a province with five administrative cities and one administrative regency;
complaints reach dinas, badan and the kota administrasi down to kecamatan and kelurahan.
"""

from __future__ import annotations

from tenants.models import PemdaKind, TimeZone
from tenants.services import PemdaSpec

JAKARTA = PemdaSpec(
    code="31", name="Provinsi DKI Jakarta", kind=PemdaKind.PROVINSI, slug="jakarta", timezone=TimeZone.WIB
)

# (code, name, short name, kind, parent code)
JAKARTA_UNITS: list[tuple[str, str, str, str, str | None]] = [
    ("SETDA", "Sekretariat Daerah Provinsi DKI Jakarta", "Setda", "sekretariat", None),
    ("INSP", "Inspektorat Provinsi DKI Jakarta", "Inspektorat", "inspektorat", None),
    ("DPE", "Dinas Perindustrian dan Energi", "Distamben", "dinas", None),
    ("DPE-LISTRIK", "Bidang Ketenagalistrikan", "", "bidang", "DPE"),
    ("DPE-PJU", "Seksi Penerangan Jalan Umum", "PJU", "seksi", "DPE-LISTRIK"),
    ("DPKP", "Dinas Penanggulangan Kebakaran dan Penyelamatan", "Gulkarmat", "dinas", None),
    ("DBM", "Dinas Bina Marga", "Bina Marga", "dinas", None),
    ("DSDA", "Dinas Sumber Daya Air", "SDA", "dinas", None),
    ("DLH", "Dinas Lingkungan Hidup", "DLH", "dinas", None),
    ("DISHUB", "Dinas Perhubungan", "Dishub", "dinas", None),
    ("DINKES", "Dinas Kesehatan", "Dinkes", "dinas", None),
    ("DISDIK", "Dinas Pendidikan", "Disdik", "dinas", None),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Dukcapil", "dinas", None),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP", "dinas", None),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP", "satpol", None),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", "badan", None),
    ("KOTA-JAKPUS", "Pemerintah Kota Administrasi Jakarta Pusat", "Jakpus", "kota_adm", None),
    ("KEC-GAMBIR", "Kecamatan Gambir", "", "kecamatan", "KOTA-JAKPUS"),
    ("KEL-GAMBIR", "Kelurahan Gambir", "", "kelurahan", "KEC-GAMBIR"),
    ("KEC-MENTENG", "Kecamatan Menteng", "", "kecamatan", "KOTA-JAKPUS"),
    ("KOTA-JAKUT", "Pemerintah Kota Administrasi Jakarta Utara", "Jakut", "kota_adm", None),
    ("KOTA-JAKBAR", "Pemerintah Kota Administrasi Jakarta Barat", "Jakbar", "kota_adm", None),
    ("KOTA-JAKSEL", "Pemerintah Kota Administrasi Jakarta Selatan", "Jaksel", "kota_adm", None),
    ("KOTA-JAKTIM", "Pemerintah Kota Administrasi Jakarta Timur", "Jaktim", "kota_adm", None),
    ("KAB-KEPSERIBU", "Pemerintah Kabupaten Administrasi Kepulauan Seribu", "Kep. Seribu", "kota_adm", None),
]
