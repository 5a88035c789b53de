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


def categories_seed(pemda: Any = None) -> None:
    existing = set(Category.objects.values_list("code", flat=True))
    Category.objects.bulk_create(
        [Category(code=code, name=name, name_en=en) for code, name, en in DEFAULT_CATEGORIES if code not in existing]
    )
    categories_forget()  # bulk_create sends no signals
