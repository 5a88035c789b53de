"""A national matter reaches its ministry or institution by its category alone.

The citizen files at the Pemda in a category of the Pemda's own list; the verifikator refers it
without naming a receiver (bukan wewenang); the hub routes it by the K/L registry's categories
and the K/L's officers find it in the hub console. Before, only two of the registry's category
codes existed at a Pemda, so most national matters fell into the hub's triage queue.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from complaints.models import Category
from complaints.seed import DEFAULT_CATEGORIES, NATIONAL_CATEGORIES
from national_hub.models import HubReferral, HubStatus, TargetKind
from national_hub.registry.data import DEFAULT_INSTANSI, REGISTRY_AS_OF, REGISTRY_SOURCE
from national_hub.registry.models import Instansi
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import _refer, _track

MATTERS = [
    ("bansos", "kemensos", "Bantuan PKH kami dihentikan tanpa alasan"),
    ("kependudukan", "kemendagri", "NIK saya ganda di data kependudukan pusat"),
    ("jkn", "bpjskesehatan", "Kartu JKN saya dinonaktifkan padahal iuran lancar"),
    ("pertanahan", "atrbpn", "Sertifikat tanah tidak terbit setelah dua tahun"),
]


def test_every_category_a_kl_handles_is_one_a_citizen_can_choose_at_every_pemda(jakarta: Pemda) -> None:
    registry_codes = {code for *_ignored, categories in DEFAULT_INSTANSI for code in categories}
    with tenant_context(jakarta):
        choosable = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    assert registry_codes <= choosable, sorted(registry_codes - choosable)
    # Each national category belongs to exactly one K/L, so the route it takes is not a guess.
    owners = [code for *_ignored, categories in DEFAULT_INSTANSI for code in categories]
    assert len(owners) == len(set(owners))
    assert {c for c, _n, _e in NATIONAL_CATEGORIES}.isdisjoint({c for c, _n, _e in DEFAULT_CATEGORIES})


def test_the_registry_names_its_source_and_date() -> None:
    assert "Kabinet Indonesia Maju" in REGISTRY_SOURCE and "Perpres 68/2019" in REGISTRY_SOURCE
    assert REGISTRY_AS_OF.year == 2024


@pytest.mark.parametrize(("category", "kl", "title"), MATTERS)
def test_a_national_matter_walks_from_intake_to_its_kl_by_category_alone(
    api: Api, hub_api: Api, sync_cast: dict[str, User], hub: Pemda, sweep: Any, category: str, kl: str, title: str
) -> None:
    officer = User.objects.create_user(f"petugas-{kl}", password=f"petugas-{kl}-pass-123")
    Membership.objects.create(user=officer, tenant=hub, role=Role.KL_OFFICER, unit_id=Instansi.objects.get(code=kl).pk)
    submitted = api.submit(category=category, title=title, text=f"{title}. Mohon ditindaklanjuti oleh pusat.")
    _refer(api, submitted)  # no target named, no location: the category decides
    sweep()

    hub_ref = HubReferral.objects.get(tracking_id=submitted["tracking_id"])
    assert (hub_ref.target_kind, hub_ref.target_code, hub_ref.status) == (TargetKind.KL, kl, HubStatus.ROUTED)
    listed = hub_api.get("/api/v1/hub/referrals/", user=officer.username).json()
    assert [r["tracking_id"] for r in listed] == [submitted["tracking_id"]]
    assert not HubReferral.objects.filter(status=HubStatus.TRIAGE).exists()

    # The K/L answers in the hub console; the citizen reads it at Jakarta under the same tracking ID.
    answer = f"Ditangani {Instansi.objects.get(code=kl).acronym}: data Anda sudah kami perbaiki."
    done = hub_api.post(
        f"/api/v1/hub/referrals/{listed[0]['id']}/act/",
        {"action": "followup", "text": answer, "final": True},
        user=officer.username,
    )
    assert done.status_code == 200, done.content
    sweep()
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert answer in [f["text"] for f in tracked["followups"]]
