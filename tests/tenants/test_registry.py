"""Pemda registration: schema names come from Kemendagri codes and bad input creates nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Domain, Pemda, PemdaKind, PemdaStatus, TimeZone
from tenants.services import PemdaSpec, pemda_create
from tenants.validators import schema_name_for_code


def test_schema_name_is_derived_from_the_kemendagri_code() -> None:
    assert schema_name_for_code("31") == "pemda_31"
    assert schema_name_for_code("32.73") == "pemda_32_73"


@pytest.mark.parametrize("code", ["3", "31.7", "32.73.01", "31; DROP SCHEMA public", "", "ab"])
def test_bad_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError):
        schema_name_for_code(code)


@pytest.mark.parametrize(
    ("code", "slug"),
    [("33.99x", "semarang"), ("33.74", "Semarang!"), ("33.74", "a"), ("33.74", "public; drop")],
)
def test_invalid_pemda_is_rejected_before_anything_is_created(hub: Pemda, code: str, slug: str) -> None:
    spec = PemdaSpec(code=code, name="Kota Semarang", kind=PemdaKind.KOTA, slug=slug, timezone=TimeZone.WIB)
    with pytest.raises(ValidationError):
        pemda_create(spec=spec)
    assert not Pemda.objects.filter(name="Kota Semarang").exists()
    assert not Domain.objects.filter(domain__startswith=slug.lower()).exists()
    assert not schema_exists("pemda_33_74")


def test_domain_of_another_pemda_is_refused(jakarta: Pemda) -> None:
    spec = PemdaSpec(
        code="36.71", name="Kota Tangerang", kind=PemdaKind.KOTA, slug="tangerang", timezone="Asia/Jakarta"
    )
    with pytest.raises(ValidationError, match="sudah dipakai"):
        pemda_create(spec=spec, domains=["jakarta.localhost"])
    assert not Pemda.objects.filter(code="36.71").exists()


def test_pilot_is_registered_as_designed(jakarta: Pemda) -> None:
    assert (jakarta.code, jakarta.slug, jakarta.schema_name) == ("31", "jakarta", "pemda_31")
    assert jakarta.timezone_label == "WIB"
    assert jakarta.status == PemdaStatus.LIVE
    assert jakarta.domains.get(is_primary=True).domain == "jakarta.localhost"
    assert connection.schema_name == "public"
