"""The default K/L registry: 34 ministries of the 2019-2024 cabinet and 20 national institutions.

Plain data, loaded idempotently by national_hub.registry.services.instansi_seed (and its data
migration); hub operators edit, add and deactivate rows in the hub console afterwards. Every
category code listed here is one a citizen can choose at every Pemda (complaints.seed), so a
referred report reaches its K/L by category alone (tests/national_hub/test_kl_routing.py).
"""

from __future__ import annotations

from datetime import date

# Where the rows come from, and the date they describe; both are shown with the registry.
REGISTRY_SOURCE = (
    "Kabinet Indonesia Maju 2019-2024: 34 kementerian (UU 39/2008 tentang Kementerian Negara; "
    "Perpres 68/2019 tentang Organisasi Kementerian Negara, with the April 2021 reorganisation into "
    "Kemendikbudristek and Kementerian Investasi/BKPM) and 20 lembaga that take public complaints. "
    "Since 21 October 2024 the cabinet is the Kabinet Merah Putih (Perpres 139/2024): hub operators "
    "update the rows in the hub console; the seed never overwrites an edited row."
)
REGISTRY_AS_OF = date(2024, 10, 20)  # the last day of the composition listed below

# (code, name, acronym, kind, categories)
DEFAULT_INSTANSI: list[tuple[str, str, str, str, list[str]]] = [
    ("kemensetneg", "Kementerian Sekretariat Negara", "Kemensetneg", "kementerian", []),
    ("kemendagri", "Kementerian Dalam Negeri", "Kemendagri", "kementerian", ["kependudukan"]),
    ("kemenlu", "Kementerian Luar Negeri", "Kemenlu", "kementerian", []),
    ("kemhan", "Kementerian Pertahanan", "Kemhan", "kementerian", []),
    ("kemenkumham", "Kementerian Hukum dan Hak Asasi Manusia", "Kemenkumham", "kementerian", []),
    ("kemenkeu", "Kementerian Keuangan", "Kemenkeu", "kementerian", ["pajak", "bea-cukai"]),
    ("kemenesdm", "Kementerian Energi dan Sumber Daya Mineral", "KESDM", "kementerian", ["listrik", "bbm"]),
    ("kemenperin", "Kementerian Perindustrian", "Kemenperin", "kementerian", []),
    ("kemendag", "Kementerian Perdagangan", "Kemendag", "kementerian", ["perdagangan"]),
    ("kementan", "Kementerian Pertanian", "Kementan", "kementerian", ["pupuk"]),
    ("klhk", "Kementerian Lingkungan Hidup dan Kehutanan", "KLHK", "kementerian", ["kehutanan"]),
    ("kemenhub", "Kementerian Perhubungan", "Kemenhub", "kementerian", ["transportasi-nasional"]),
    ("kkp", "Kementerian Kelautan dan Perikanan", "KKP", "kementerian", ["perikanan"]),
    ("kemnaker", "Kementerian Ketenagakerjaan", "Kemnaker", "kementerian", ["ketenagakerjaan"]),
    (
        "kemendes",
        "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi",
        "Kemendes PDTT",
        "kementerian",
        ["dana-desa"],
    ),
    (
        "kemenpupr",
        "Kementerian Pekerjaan Umum dan Perumahan Rakyat",
        "Kementerian PUPR",
        "kementerian",
        ["jalan-nasional", "perumahan"],
    ),
    ("kemenkes", "Kementerian Kesehatan", "Kemenkes", "kementerian", ["kesehatan-nasional"]),
    (
        "kemendikbudristek",
        "Kementerian Pendidikan, Kebudayaan, Riset, dan Teknologi",
        "Kemendikbudristek",
        "kementerian",
        ["pendidikan-nasional", "kip"],
    ),
    ("kemensos", "Kementerian Sosial", "Kemensos", "kementerian", ["bansos"]),
    ("kemenag", "Kementerian Agama", "Kemenag", "kementerian", ["haji", "madrasah"]),
    ("kemenparekraf", "Kementerian Pariwisata dan Ekonomi Kreatif", "Kemenparekraf", "kementerian", []),
    ("kominfo", "Kementerian Komunikasi dan Informatika", "Kominfo", "kementerian", ["telekomunikasi"]),
    ("kemenkopukm", "Kementerian Koperasi dan Usaha Kecil dan Menengah", "KemenkopUKM", "kementerian", ["umkm"]),
    (
        "kemenpppa",
        "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak",
        "KemenPPPA",
        "kementerian",
        ["perlindungan-anak"],
    ),
    (
        "kemenpanrb",
        "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
        "KemenPAN-RB",
        "kementerian",
        ["asn"],
    ),
    ("bappenas", "Kementerian Perencanaan Pembangunan Nasional/Bappenas", "Bappenas", "kementerian", []),
    (
        "atrbpn",
        "Kementerian Agraria dan Tata Ruang/Badan Pertanahan Nasional",
        "ATR/BPN",
        "kementerian",
        ["pertanahan"],
    ),
    ("kementerianbumn", "Kementerian Badan Usaha Milik Negara", "Kementerian BUMN", "kementerian", ["bumn"]),
    ("kemeninvestasi", "Kementerian Investasi/Badan Koordinasi Penanaman Modal", "BKPM", "kementerian", ["investasi"]),
    ("kemenpora", "Kementerian Pemuda dan Olahraga", "Kemenpora", "kementerian", []),
    (
        "kemenkopolhukam",
        "Kementerian Koordinator Bidang Politik, Hukum, dan Keamanan",
        "Kemenko Polhukam",
        "kementerian",
        [],
    ),
    ("kemenkoperekonomian", "Kementerian Koordinator Bidang Perekonomian", "Kemenko Perekonomian", "kementerian", []),
    (
        "kemenkopmk",
        "Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan",
        "Kemenko PMK",
        "kementerian",
        [],
    ),
    (
        "kemenkomarves",
        "Kementerian Koordinator Bidang Kemaritiman dan Investasi",
        "Kemenko Marves",
        "kementerian",
        [],
    ),
    ("polri", "Kepolisian Negara Republik Indonesia", "Polri", "lembaga", ["kepolisian"]),
    ("kejaksaan", "Kejaksaan Republik Indonesia", "Kejaksaan", "lembaga", []),
    ("bpjskesehatan", "Badan Penyelenggara Jaminan Sosial Kesehatan", "BPJS Kesehatan", "lembaga", ["jkn"]),
    (
        "bpjsketenagakerjaan",
        "Badan Penyelenggara Jaminan Sosial Ketenagakerjaan",
        "BPJS Ketenagakerjaan",
        "lembaga",
        [],
    ),
    ("bpom", "Badan Pengawas Obat dan Makanan", "BPOM", "lembaga", ["obat-makanan"]),
    ("bkn", "Badan Kepegawaian Negara", "BKN", "lembaga", ["cpns"]),
    ("bps", "Badan Pusat Statistik", "BPS", "lembaga", []),
    ("bnpb", "Badan Nasional Penanggulangan Bencana", "BNPB", "lembaga", ["bencana"]),
    ("bmkg", "Badan Meteorologi, Klimatologi, dan Geofisika", "BMKG", "lembaga", []),
    ("bnn", "Badan Narkotika Nasional", "BNN", "lembaga", ["narkoba"]),
    ("bpkp", "Badan Pengawasan Keuangan dan Pembangunan", "BPKP", "lembaga", []),
    ("lkpp", "Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah", "LKPP", "lembaga", ["pengadaan"]),
    ("brin", "Badan Riset dan Inovasi Nasional", "BRIN", "lembaga", []),
    ("bp2mi", "Badan Pelindungan Pekerja Migran Indonesia", "BP2MI", "lembaga", ["pekerja-migran"]),
    ("bssn", "Badan Siber dan Sandi Negara", "BSSN", "lembaga", []),
    ("bsn", "Badan Standardisasi Nasional", "BSN", "lembaga", []),
    ("lan", "Lembaga Administrasi Negara", "LAN", "lembaga", []),
    ("anri", "Arsip Nasional Republik Indonesia", "ANRI", "lembaga", []),
    ("perpusnas", "Perpustakaan Nasional Republik Indonesia", "Perpusnas", "lembaga", []),
    ("basarnas", "Badan Nasional Pencarian dan Pertolongan", "Basarnas", "lembaga", []),
]
