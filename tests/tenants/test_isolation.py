"""A Pemda's rows are visible only in its own schema and on its own host."""

from __future__ import annotations

from django.test import Client
from django_tenants.utils import tenant_context

from agencies.models import Unit
from agencies.services import unit_ensure
from tenants.models import Pemda


def test_row_created_in_jakarta_is_invisible_from_bekasi(jakarta: Pemda, bekasi: Pemda) -> None:
    with tenant_context(jakarta):
        unit_ensure(code="DPE", name="Dinas Perindustrian dan Energi", kind="dinas")
        assert Unit.objects.filter(code="DPE").count() == 1
    with tenant_context(bekasi):
        assert not Unit.objects.filter(code="DPE").exists()


def test_row_is_invisible_over_the_other_host(jakarta: Pemda, bekasi: Pemda) -> None:
    with tenant_context(jakarta):
        unit_ensure(code="DPKP", name="Dinas Penanggulangan Kebakaran dan Penyelamatan", kind="dinas")
    client = Client()
    on_jakarta = client.get("/", HTTP_HOST="jakarta.localhost")
    on_bekasi = client.get("/", HTTP_HOST="bekasi.localhost")
    assert on_jakarta.status_code == 200
    assert "Dinas Penanggulangan Kebakaran" in on_jakarta.content.decode()
    assert on_bekasi.status_code == 200
    assert "Kota Bekasi" in on_bekasi.content.decode()
    assert "Dinas Penanggulangan Kebakaran" not in on_bekasi.content.decode()


def test_unknown_host_gets_a_404_page_not_the_hub(hub: Pemda) -> None:
    response = Client().get("/", HTTP_HOST="tidakada.localhost")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Alamat tidak dikenal" in body
    assert "Hub Nasional" not in body


def test_hub_host_serves_the_hub_listing_live_pemda(hub: Pemda, jakarta: Pemda) -> None:
    response = Client().get("/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "Hub Nasional" in response.content.decode()
    assert "Provinsi DKI Jakarta" in response.content.decode()
