"""The K/L registry and the hub's routing rules: data the hub operators edit, no code changes."""

from __future__ import annotations

from typing import Any

from national_hub.registry.models import Instansi, InstansiKind, RoutingRule, RuleKind
from national_hub.registry.services import instansi_seed
from national_hub.routing import TRIAGE, Route, responsible_pemda_code, route_resolve


def test_the_hub_starts_with_54_ministries_and_institutions_and_reseeding_adds_none(hub: Any) -> None:
    assert Instansi.objects.count() == 54
    assert Instansi.objects.filter(kind=InstansiKind.KEMENTERIAN).count() == 34
    assert Instansi.objects.get(code="kemensos").categories == ["bansos"]
    # An operator's edit survives a re-seed; a deleted default comes back.
    Instansi.objects.filter(code="bnpb").update(acronym="BNPB (diubah)")
    Instansi.objects.filter(code="anri").delete()
    assert instansi_seed() == 1
    assert Instansi.objects.get(code="bnpb").acronym == "BNPB (diubah)"


def test_the_registry_grows_past_54_and_routing_follows_without_code_changes(hub: Any) -> None:
    Instansi.objects.create(
        code="bgn", name="Badan Gizi Nasional", acronym="BGN", kind=InstansiKind.LEMBAGA, categories=["makan-bergizi"]
    )
    assert Instansi.objects.count() == 55
    route = route_resolve(origin="31", target_code="", category_code="makan-bergizi", region_code="")
    assert route == Route(kind="kl", code="bgn")


def test_location_codes_map_to_the_responsible_pemda() -> None:
    assert responsible_pemda_code(region_code="32.75.01.1001") == "32.75"
    assert responsible_pemda_code(region_code="32.75.01") == "32.75"
    assert responsible_pemda_code(region_code="32.75.01.1001", province_level=True) == "32"
    assert responsible_pemda_code(region_code="") == ""


def test_routing_order_location_then_rules_then_triage(hub: Any, bekasi: Any, tenants_registry: Any) -> None:
    # A Bekasi kelurahan reported in Jakarta goes to Kota Bekasi; a province matter to Jawa Barat.
    assert route_resolve(origin="31", target_code="", category_code="jalan", region_code="32.75.01.1001") == Route(
        "pemda", "32.75"
    )
    assert route_resolve(
        origin="31", target_code="", category_code="jalan", region_code="32.75.01.1001", province_level=True
    ) == Route("pemda", "32")
    # Inside the origin's own area the location says nothing; the category rule decides.
    RoutingRule.objects.create(kind=RuleKind.CATEGORY, category_code="jalan", target_code="kemenpupr")
    assert route_resolve(origin="31", target_code="", category_code="jalan", region_code="31.71.01") == Route(
        "kl", "kemenpupr"
    )
    # A location rule overrides the default location mapping.
    RoutingRule.objects.create(kind=RuleKind.LOCATION, region_prefix="32.75.01", target_code="32", priority=1)
    assert route_resolve(origin="31", target_code="", category_code="", region_code="32.75.01.1001") == Route(
        "pemda", "32"
    )
    # Unknown everything: the triage queue, never nowhere.
    assert route_resolve(origin="31", target_code="88.88", category_code="lainnya", region_code="") == TRIAGE
