"""The cast of the sync tests, on top of the Jakarta cast of the report tests.

Bekasi: bima (verifikator), bela (officer of Dinas Bina Marga Bekasi). Hub: hugo (hub
operator), kiki (officer of Kemensos, working in the hub console).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from agencies.models import Unit
from agencies.services import unit_ensure
from national_hub.registry.models import Instansi
from sync.delivery import outbox_sweep
from sync.models import OutboxMessage, OutboxStatus
from tenants.models import Pemda
from tests.complaints.conftest import Api, JakartaUnits, api, cast, units  # noqa: F401 - fixtures

__all__ = ["Api", "JakartaUnits"]


def _member(username: str, tenant: Pemda, role: str, unit_id: int | None = None) -> User:
    user = User.objects.create_user(username, password=f"{username}-pass-123")
    Membership.objects.create(user=user, tenant=tenant, role=role, unit_id=unit_id)
    return user


@pytest.fixture
def bekasi_dbm(bekasi: Pemda) -> Unit:
    with tenant_context(bekasi):
        return unit_ensure(code="DBMSDA", name="Dinas Bina Marga dan Sumber Daya Air", kind="dinas")


@pytest.fixture
def sync_cast(cast: dict[str, User], bekasi: Pemda, hub: Pemda, bekasi_dbm: Unit) -> dict[str, User]:  # noqa: F811
    kemensos = Instansi.objects.get(code="kemensos")
    return {
        **cast,
        "bima": _member("bima", bekasi, Role.VERIFIKATOR),
        "bela": _member("bela", bekasi, Role.UNIT_OFFICER, bekasi_dbm.pk),
        "hugo": _member("hugo", hub, Role.HUB_OPERATOR),
        "kiki": _member("kiki", hub, Role.KL_OFFICER, kemensos.pk),
    }


@pytest.fixture
def bekasi_api(bekasi: Pemda) -> Api:
    return Api(host="bekasi.localhost")


@pytest.fixture
def hub_api(hub: Pemda) -> Api:
    return Api(host="localhost")


def drain(max_rounds: int = 20) -> int:
    """Run the sweeper until nothing is pending (each hop writes the next message); returns deliveries."""
    delivered = 0
    for _ in range(max_rounds):
        outcomes = outbox_sweep()
        delivered += outcomes.get("delivered", 0)
        if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            break
    connection.set_schema_to_public()
    return delivered


@pytest.fixture
def sweep() -> Any:
    return drain
