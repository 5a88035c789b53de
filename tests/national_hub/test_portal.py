"""The national door: a citizen who does not know who is responsible files at the hub.

The place decides which Pemda receives the report; a national matter is referred on to its K/L.
Either way the citizen gets one tracking ID, and the hub's Lacak leads to the Pemda that holds it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from complaints.models import Report, Status
from national_hub.models import HubReferral, TargetKind
from tenants.models import Pemda
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db

FORM = {
    "type": "pengaduan",
    "title": "Jalan berlubang di depan Stasiun Bekasi",
    "text": "Lubang besar di Jalan Ir. H. Juanda, sudah dua pengendara motor jatuh minggu ini.",
    "kecamatan": "32.75.01",
    "privacy": "anonim",
}


def _hub() -> Client:
    return Client(HTTP_HOST="localhost", enforce_csrf_checks=True)


def _file(client: Client, wilayah: str, data: dict[str, Any]) -> Any:
    page = client.get(f"/lapor/?wilayah={wilayah}").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    return client.post(f"/lapor/?wilayah={wilayah}", {"csrfmiddlewaretoken": token, "form_id": form_id, **data})


def test_the_hub_home_lists_the_pemda_and_finds_one_by_name(hub: Pemda, bekasi: Pemda, jakarta: Pemda) -> None:
    home = Client(HTTP_HOST="localhost").get("/").content.decode()
    assert "Kota Bekasi" in home and "Provinsi DKI Jakarta" in home
    found = Client(HTTP_HOST="localhost").get("/?q=bekasi").content.decode()
    assert "Kota Bekasi" in found and "Provinsi DKI Jakarta" not in found


def test_a_report_about_a_place_in_kota_bekasi_reaches_bekasis_queue(hub: Pemda, bekasi: Pemda) -> None:
    client = _hub()
    assert "Di mana masalahnya?" in client.get("/lapor/").content.decode()
    sent = _file(client, "32.75", {**FORM, "category": "jalan"})
    assert sent.status_code == 302, sent.content.decode()[:2000]
    done = client.get("/lapor/terkirim/").content.decode()
    tracking_id = re.search(r'id="tracking-id">([^<]+)<', done).group(1)
    link = re.search(r'id="secret-link" href="([^"]+)"', done).group(1)
    # The private link leads to Bekasi's own site, where the report is kept.
    assert link.startswith("http://bekasi.localhost") and "kunci=" in link
    with tenant_context(bekasi):
        report = Report.objects.get(tracking_id=tracking_id)
        assert (report.status, report.kecamatan, report.region_code) == (Status.SUBMITTED, "Bekasi Timur", "32.75.01")
    # The hub's Lacak sends the citizen there; Bekasi's page names who handles it.
    assert client.get(f"/lacak/?id={tracking_id}")["Location"] == f"http://bekasi.localhost/lacak/{tracking_id}/"
    timeline = Client(HTTP_HOST="bekasi.localhost").get(f"/lacak/{tracking_id}/?kunci={link.split('kunci=')[1]}")
    assert "Verifikator Kota Bekasi" in timeline.content.decode()


def test_a_national_matter_filed_at_the_hub_goes_on_to_its_kl(hub: Pemda, bekasi: Pemda) -> None:
    from sync.delivery import outbox_sweep

    client = _hub()
    sent = _file(client, "32.75", {**FORM, "category": "jkn", "title": "Kartu BPJS Kesehatan saya dinonaktifkan"})
    assert sent.status_code == 302
    tracking_id = re.search(r'id="tracking-id">([^<]+)<', client.get("/lapor/terkirim/").content.decode()).group(1)
    for _ in range(3):
        outbox_sweep()
    hub_ref = HubReferral.objects.get(tracking_id=tracking_id)
    assert (hub_ref.target_kind, hub_ref.target_code) == (TargetKind.KL, "bpjskesehatan")
    with tenant_context(bekasi):
        assert Report.objects.get(tracking_id=tracking_id).status == Status.REFERRED


def test_a_place_whose_pemda_has_not_joined_is_explained(hub: Pemda) -> None:
    refused = _hub().get("/lapor/?wilayah=94.01")  # Kabupaten Merauke: not onboarded in the tests
    assert refused.status_code == 400
    assert "belum terhubung" in refused.content.decode()


def test_the_hub_has_its_own_login_and_console(hub: Pemda) -> None:
    from django.contrib.auth.models import User

    from accounts.models import Membership, Role

    user = User.objects.create_user("hugo", password="hugo-pass-123")
    Membership.objects.create(user=user, tenant=hub, role=Role.HUB_OPERATOR)
    client = Client(HTTP_HOST="localhost")
    assert client.get("/konsol/")["Location"].startswith("/masuk/")
    staff_sign_in(client, "hugo", "hugo-pass-123")
    console = client.get("/konsol/").content.decode()
    assert "Onboarding Pemda" in console
    assert client.get("/konsol/onboarding/").status_code == 200


def test_each_host_describes_its_own_routes_in_openapi(hub: Pemda, jakarta: Pemda) -> None:
    at_hub = Client(HTTP_HOST="localhost").get("/api/schema/?format=json").json()["paths"]
    at_pemda = Client(HTTP_HOST="jakarta.localhost").get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/hub/onboarding/" in at_hub and "/api/v1/reports/" not in at_hub
    assert "/api/v1/reports/" in at_pemda and "/api/v1/hub/onboarding/" not in at_pemda
