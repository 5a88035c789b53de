"""The region data: every Pemda of Kepmendagri 300.2.2-2138/2025, with the right kind and time zone."""

from __future__ import annotations

from collections import Counter

import pytest

from tenants.regions import region_get, region_suggestions, regions_all, regions_in_province, subregions_of
from tenants.validators import SLUG_RE, schema_name_for_code


def test_all_552_pemda_are_there_by_kind() -> None:
    regions = regions_all()
    assert Counter(r.kind for r in regions) == {"provinsi": 38, "kabupaten": 416, "kota": 98}
    # Provinces come first, so a kabupaten/kota never waits for a parent that is not registered.
    first_kabkota = next(i for i, r in enumerate(regions) if r.province_code)
    assert all(r.province_code is None for r in regions[:first_kabkota])
    assert all(r.province_code for r in regions[first_kabkota:])


def test_every_pemda_gets_a_unique_valid_slug_and_schema() -> None:
    regions = regions_all()
    assert len({r.slug for r in regions}) == 552
    assert all(SLUG_RE.match(r.slug) for r in regions)
    assert len({schema_name_for_code(r.code) for r in regions}) == 552


@pytest.mark.parametrize(
    ("code", "name", "zone"),
    [
        ("73.71", "Kota Makassar", "WITA"),
        ("91.71", "Kota Jayapura", "WIT"),
        ("32.73", "Kota Bandung", "WIB"),
        ("51.03", "Kabupaten Badung", "WITA"),
        ("81", "Provinsi Maluku", "WIT"),
        ("61.71", "Kota Pontianak", "WIB"),
        ("64.72", "Kota Samarinda", "WITA"),
    ],
)
def test_time_zone_follows_the_province(code: str, name: str, zone: str) -> None:
    region = region_get(code)
    assert region is not None
    assert (region.name, region.timezone_label) == (name, zone)


def test_kabupaten_and_kota_of_the_same_name_are_told_apart() -> None:
    kab, kota = region_get("32.04"), region_get("32.73")
    assert kab is not None and kota is not None
    assert (kab.kind, kab.slug) == ("kabupaten", "kab-bandung")
    assert (kota.kind, kota.slug) == ("kota", "kota-bandung")


def test_pilot_keeps_its_name_and_slug() -> None:
    jakarta = region_get("31")
    assert jakarta is not None
    assert (jakarta.name, jakarta.slug) == ("Provinsi DKI Jakarta", "jakarta")


def test_province_selection_holds_the_province_and_its_kabupaten_kota() -> None:
    gorontalo = regions_in_province("75")
    assert gorontalo[0].code == "75"
    assert {r.province_code for r in gorontalo[1:]} == {"75"}
    assert len(gorontalo) == 7


def test_suggestions_for_a_typo_and_for_a_name() -> None:
    assert "73.71" in [r.code for r in region_suggestions("makasar")]
    assert {"32.04", "32.73"} <= {r.code for r in region_suggestions("bandung")}
    assert all(r.code.startswith("32.") for r in region_suggestions("32.99")[:2])


def test_subregions_are_kecamatan_with_their_kelurahan_and_no_desa() -> None:
    units = subregions_of("73.71")
    kecamatan = [u for u in units if u.kind == "kecamatan"]
    assert len(kecamatan) == 15  # Kota Makassar
    assert all(u.name.startswith("Kecamatan ") for u in kecamatan)
    kelurahan = [u for u in units if u.kind == "kelurahan"]
    assert kelurahan and all(u.parent_code in {k.code for k in kecamatan} for u in kelurahan)
    # Papua has distrik, not kecamatan.
    assert subregions_of("91.71")[0].name.startswith("Distrik ")
