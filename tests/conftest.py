"""Shared fixtures: a hub and three Pemda created once per test session in the test database.

Cast: Jakarta (the pilot, WIB), Jawa Barat (province) and Kota Bekasi (its kota) — Bekasi is
the "other tenant" every isolation test looks from. Users: alice (Jakarta tenant admin),
bob (Bekasi officer), charlie (no membership anywhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from complaints.seed import categories_seed
from django.core.cache import caches
from django.db import connection
from django_tenants.utils import tenant_context

from lapor.localcache import local_clear
from tenants.models import Pemda, PemdaKind, TimeZone
from tenants.pilot import JAKARTA
from tenants.services import PemdaSpec, hub_ensure, pemda_create

JABAR = PemdaSpec(code="32", name="Provinsi Jawa Barat", kind=PemdaKind.PROVINSI, slug="jabar", timezone=TimeZone.WIB)
BEKASI = PemdaSpec(
    code="32.75", name="Kota Bekasi", kind=PemdaKind.KOTA, slug="bekasi", timezone=TimeZone.WIB, parent_code="32"
)


@pytest.fixture(scope="session")
def tenants_registry(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Pemda]:
    with django_db_blocker.unblock():
        hub = hub_ensure()
        jakarta = pemda_create(spec=JAKARTA)
        jabar = pemda_create(spec=JABAR)
        bekasi = pemda_create(spec=BEKASI)
        for pemda in (jakarta, bekasi):
            with tenant_context(pemda):
                categories_seed(pemda)
    return {"hub": hub, "jakarta": jakarta, "jabar": jabar, "bekasi": bekasi}


@pytest.fixture
def hub(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["hub"]


@pytest.fixture
def jakarta(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["jakarta"]


@pytest.fixture
def bekasi(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["bekasi"]


@pytest.fixture(autouse=True)
def _public_schema_and_clean_caches() -> Iterator[None]:
    # Each test starts in the public schema with empty caches, as a fresh request would.
    caches["tenancy"].clear()
    caches["default"].clear()
    local_clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def in_tenant() -> Any:
    return tenant_context
