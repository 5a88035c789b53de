"""Default data every Pemda starts with (idempotent; run at onboarding and by the pilot seed)."""

from __future__ import annotations

from typing import Any

from complaints.models import Category
from complaints.selectors import categories_forget

# (code, Indonesian name, English name)
DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("jalan", "Jalan dan jembatan", "Roads and bridges"),
    ("banjir", "Banjir dan drainase", "Flooding and drainage"),
    ("sampah", "Sampah dan kebersihan", "Waste and cleanliness"),
    ("lampu-jalan", "Lampu penerangan jalan", "Street lighting"),
    ("kebakaran", "Kebakaran dan penyelamatan", "Fire and rescue"),
    ("perizinan", "Perizinan", "Permits and licensing"),
    ("kesehatan", "Kesehatan", "Health"),
    ("pendidikan", "Pendidikan", "Education"),
    ("kependudukan", "Administrasi kependudukan", "Civil registration"),
    ("transportasi", "Transportasi dan lalu lintas", "Transport and traffic"),
    ("ketertiban", "Ketertiban umum", "Public order"),
    ("lingkungan", "Lingkungan hidup", "Environment"),
    ("bansos", "Bantuan sosial", "Social assistance"),
    ("pelayanan-publik", "Pelayanan publik lainnya", "Other public services"),
]

# Matters of a ministry or national institution (K/L) that citizens bring to their Pemda too: the
# K/L registry (national_hub.registry.data) lists each code under the K/L that handles it, so a
# report the verifikator refers ("bukan wewenang") reaches that K/L by its category alone.
# "kependudukan" and "bansos" above are such codes as well (Kemendagri, Kemensos).
NATIONAL_CATEGORIES: list[tuple[str, str, str]] = [
    ("pajak", "Pajak pusat (PPh, PPN)", "National taxes (income tax, VAT)"),
    ("bea-cukai", "Bea dan cukai", "Customs and excise"),
    ("listrik", "Listrik", "Electricity"),
    ("bbm", "BBM dan elpiji", "Fuel and LPG"),
    ("perdagangan", "Perdagangan dan perlindungan konsumen", "Trade and consumer protection"),
    ("pupuk", "Pupuk bersubsidi", "Subsidised fertiliser"),
    ("kehutanan", "Kehutanan", "Forestry"),
    ("transportasi-nasional", "Kereta, kapal dan penerbangan", "Rail, sea and air transport"),
    ("perikanan", "Kelautan dan perikanan", "Marine affairs and fisheries"),
    ("ketenagakerjaan", "Ketenagakerjaan", "Employment and labour"),
    ("dana-desa", "Dana desa", "Village funds"),
    ("jalan-nasional", "Jalan nasional", "National roads"),
    ("perumahan", "Perumahan rakyat", "Public housing"),
    ("kesehatan-nasional", "Program kesehatan nasional", "National health programmes"),
    ("pendidikan-nasional", "Program pendidikan nasional dan perguruan tinggi", "National education and universities"),
    ("kip", "Kartu Indonesia Pintar (KIP)", "Indonesia Smart Card (KIP)"),
    ("haji", "Haji dan umrah", "Hajj and umrah"),
    ("madrasah", "Madrasah dan pendidikan keagamaan", "Madrasah and religious education"),
    ("telekomunikasi", "Telekomunikasi dan internet", "Telecommunications and internet"),
    ("umkm", "Koperasi dan UMKM", "Cooperatives and small businesses"),
    ("perlindungan-anak", "Perlindungan perempuan dan anak", "Protection of women and children"),
    ("asn", "Aparatur sipil negara (ASN)", "Civil servants"),
    ("pertanahan", "Pertanahan dan sertifikat tanah", "Land and land titles"),
    ("bumn", "Badan usaha milik negara (BUMN)", "State-owned enterprises"),
    ("investasi", "Investasi dan perizinan berusaha (OSS)", "Investment and business licensing (OSS)"),
    ("kepolisian", "Kepolisian", "Police"),
    ("jkn", "BPJS Kesehatan (JKN-KIS)", "National health insurance (BPJS Kesehatan)"),
    ("obat-makanan", "Obat dan makanan", "Food and drugs"),
    ("cpns", "Seleksi CPNS", "Civil service recruitment"),
    ("bencana", "Penanggulangan bencana", "Disaster management"),
    ("narkoba", "Narkoba", "Narcotics"),
    ("pengadaan", "Pengadaan barang/jasa pemerintah", "Government procurement"),
    ("pekerja-migran", "Pekerja migran Indonesia", "Indonesian migrant workers"),
]


def categories_seed(pemda: Any = None) -> None:
    """Add the default categories this Pemda lacks (local matters, then national ones); edits stay."""
    existing = set(Category.objects.values_list("code", flat=True))
    Category.objects.bulk_create(
        [
            Category(code=code, name=name, name_en=en)
            for code, name, en in [*DEFAULT_CATEGORIES, *NATIONAL_CATEGORIES]
            if code not in existing
        ]
    )
    categories_forget()  # bulk_create sends no signals
