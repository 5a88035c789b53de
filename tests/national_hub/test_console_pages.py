"""The hub operators' console pages: triage, sync health and the K/L registry, as a browser without JavaScript.

Through the test client with sessions and CSRF on the hub's host ("localhost"). Cast (tests/sync):
hugo (hub operator), kiki (Kemensos officer at the hub: a hub member, not an operator), vera
(Jakarta's verifikator, nobody at the hub). Referrals start at Jakarta and travel through the
sweeper, as in tests/sync/test_referral_flows.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from national_hub.models import HubReferral, HubStatus
from national_hub.registry.models import Instansi, RoutingRule, RuleKind
from national_hub.routing import Route, route_resolve
from sync.models import OutboxMessage, OutboxStatus
from sync.outbox import outbox_write
from sync.parties import HUB
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import _refer
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db
HOST = "localhost"
PAGES = ["/konsol/triase/", "/konsol/sinkronisasi/", "/konsol/registri/", "/konsol/registri/kl/kemensos/"]


def _logged_in(username: str) -> Client:
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    staff_sign_in(client, username, f"{username}-pass-123")
    return client


def _post(client: Client, path: str, data: dict[str, Any], *, follow: bool = False) -> Any:
    return client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **data}, follow=follow)


def _in_triage(api: Api, sweep: Any, title: str) -> HubReferral:
    """A Jakarta report referred to a receiver nobody knows: it waits in the hub's triage queue."""
    submitted = api.submit(category="pelayanan-publik", title=title, text=f"{title}. Saya bingung harus ke mana.")
    _refer(api, submitted, target_code="99.99")
    sweep()
    return HubReferral.objects.get(tracking_id=submitted["tracking_id"])


def _referred(api: Api, sweep: Any, category: str, title: str) -> HubReferral:
    submitted = api.submit(category=category, title=title, text=f"{title}. Mohon ditindaklanjuti oleh pusat.")
    _refer(api, submitted)  # no target, no location: the rules and the registry decide
    sweep()
    return HubReferral.objects.get(tracking_id=submitted["tracking_id"])


# --- triage ---------------------------------------------------------------------------------------------


def test_the_operator_sees_the_queue_nearest_deadline_first_and_routes_one_to_bekasi(
    api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    fresh = _in_triage(api, sweep, "Antrean loket kacau")
    late = _in_triage(api, sweep, "Pelayanan kantor tidak jelas")
    HubReferral.objects.filter(pk=late.pk).update(
        triage_due_at=timezone.now() - timedelta(hours=2), triage_escalated_at=timezone.now()
    )
    hugo = _logged_in("hugo")

    queue = hugo.get("/konsol/triase/").content.decode()
    # The overdue item comes first and says so in words (not colour alone), as does its escalation.
    assert queue.index("Pelayanan kantor tidak jelas") < queue.index("Antrean loket kacau")
    assert "lewat batas" in queue and "sudah dieskalasi" in queue

    page = hugo.get(f"/konsol/triase/{late.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pelayanan kantor tidak jelas. Saya bingung harus ke mana." in html  # the report's own text
    assert "Provinsi DKI Jakarta" in html and 'list="targets"' in html
    assert '<option value="kemensos">' in html and '<option value="32.75">' in html

    routed = _post(hugo, f"/konsol/triase/{late.pk}/", {"target_code": "32.75"}, follow=True)
    assert routed.redirect_chain[-1][0] == "/konsol/triase/"
    assert f"Rujukan {late.tracking_id} diarahkan ke Kota Bekasi" in routed.content.decode()
    late.refresh_from_db()
    assert (late.status, late.target_code) == (HubStatus.ROUTED, "32.75")
    # It left the queue and appears among the routed ones; the other one still waits.
    queue = hugo.get("/konsol/triase/?status=routed").content.decode()
    waiting, routed_part = queue.split('id="diarahkan"')
    assert "Antrean loket kacau" in waiting and "Pelayanan kantor tidak jelas" not in waiting
    assert "Pelayanan kantor tidak jelas" in routed_part and fresh.tracking_id not in routed_part

    # The origin is told at once (in the same transaction), and Bekasi receives the report.
    told = OutboxMessage.objects.get(referral_key=late.referral_key, kind="referral.update", version=late.version)
    assert (told.recipient, told.body["status"], told.body["receiver_name"]) == ("31", "routed", "Kota Bekasi")
    sweep()
    assert Api(host="bekasi.localhost").officer_id(late.tracking_id, user="bima")
    public = Client(HTTP_HOST="jakarta.localhost").get(f"/lacak/{late.tracking_id}/").content.decode()
    assert 'id="handler">Kota Bekasi<' in public


def test_the_page_suggests_the_pemda_of_the_location_and_routes_with_one_button(
    api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    hub_ref = _in_triage(api, sweep, "Pungutan liar di kantor kelurahan")
    # Returned by its receiver, say: it waits in triage though it names a place in Kota Bekasi.
    HubReferral.objects.filter(pk=hub_ref.pk).update(region_code="32.75.01.1001", return_reason="Bukan wewenang kami")
    hugo = _logged_in("hugo")
    html = hugo.get(f"/konsol/triase/{hub_ref.pk}/").content.decode()
    assert "Arahkan ke Kota Bekasi" in html and "lokasi laporan" in html
    assert "Arahkan ke Provinsi Jawa Barat" in html and "Bukan wewenang kami" in html
    assert _post(hugo, f"/konsol/triase/{hub_ref.pk}/", {"target_code": "32.75"}).status_code == 302


def test_an_unknown_target_is_explained_and_nothing_is_written(
    api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    hub_ref = _in_triage(api, sweep, "Pelayanan kantor tidak jelas")
    messages_before = OutboxMessage.objects.filter(referral_key=hub_ref.referral_key).count()
    hugo = _logged_in("hugo")

    bad = _post(hugo, f"/konsol/triase/{hub_ref.pk}/", {"target_code": "00.00"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Tujuan 00.00 tidak dikenal hub." in html
    assert 'id="error-summary"' in html and 'aria-invalid="true"' in html
    assert 'value="00.00"' in html  # what the operator typed is kept
    empty = _post(hugo, f"/konsol/triase/{hub_ref.pk}/", {"target_code": " "})
    assert empty.status_code == 400 and "Isi kode tujuan" in empty.content.decode()

    after = HubReferral.objects.get(pk=hub_ref.pk)
    assert (after.status, after.target_code, after.version) == (HubStatus.TRIAGE, "", hub_ref.version)
    assert OutboxMessage.objects.filter(referral_key=hub_ref.referral_key).count() == messages_before


def test_a_referral_routed_meanwhile_is_not_routed_twice(api: Api, sync_cast: dict[str, User], sweep: Any) -> None:
    hub_ref = _in_triage(api, sweep, "Pelayanan kantor tidak jelas")
    first, second = _logged_in("hugo"), _logged_in("hugo")
    assert _post(first, f"/konsol/triase/{hub_ref.pk}/", {"target_code": "32.75"}).status_code == 302
    # A second operator sends the form of the page they opened before.
    late = _post(second, f"/konsol/triase/{hub_ref.pk}/", {"target_code": "kemensos"})
    assert late.status_code == 400
    assert "sudah tidak di antrean triase" in late.content.decode()
    assert HubReferral.objects.get(pk=hub_ref.pk).target_code == "32.75"


def test_only_hub_operators_on_the_hub_host(api: Api, sync_cast: dict[str, User], sweep: Any) -> None:
    hub_ref = _in_triage(api, sweep, "Pelayanan kantor tidak jelas")
    pages = [*PAGES, f"/konsol/triase/{hub_ref.pk}/", "/konsol/registri/aturan/baru/"]
    stranger = Client(HTTP_HOST=HOST)
    for path in pages:
        answer = stranger.get(path)
        assert (answer.status_code, answer["Location"]) == (302, f"/masuk/?next={path}"), path
    # A K/L officer works at the hub, but these pages are the operators'.
    kiki = _logged_in("kiki")
    for path in pages:
        answer = kiki.get(path)
        assert answer.status_code == 403, path
        assert "Anda tidak memiliki akses" in answer.content.decode()
    assert _post(kiki, f"/konsol/triase/{hub_ref.pk}/", {"target_code": "kemensos"}).status_code == 403
    assert _post(kiki, "/konsol/registri/kl/kemensos/", {"name": "X", "acronym": "X"}).status_code == 403
    assert HubReferral.objects.get(pk=hub_ref.pk).status == HubStatus.TRIAGE
    assert Instansi.objects.get(code="kemensos").name == "Kementerian Sosial"
    # Jakarta's verifikator is nobody at the hub: sent to log in there, like a stranger.
    vera = Client(HTTP_HOST=HOST)
    vera.force_login(sync_cast["vera"])
    assert vera.get("/konsol/triase/").status_code == 302
    # The pages do not exist on a Pemda host, even for the operator.
    on_pemda = Client(HTTP_HOST="jakarta.localhost")
    on_pemda.force_login(sync_cast["hugo"])
    assert on_pemda.get("/konsol/triase/").status_code == 404


def test_the_console_nav_and_tiles_lead_to_the_pages(sync_cast: dict[str, User]) -> None:
    hugo = _logged_in("hugo")
    home = hugo.get("/konsol/").content.decode()
    for path in ("/konsol/triase/", "/konsol/sinkronisasi/", "/konsol/registri/", "/konsol/onboarding/"):
        assert f'class="tile" href="{path}"' in home, path
    assert "/api/v1/hub/referrals/" not in home and "/admin/" not in home
    assert 'href="/konsol/liga/"' in home
    onboarding = hugo.get("/konsol/onboarding/").content.decode()
    assert '<a href="/konsol/onboarding/" aria-current="page">' in onboarding
    assert 'href="/konsol/triase/"' in onboarding


# --- sync health ----------------------------------------------------------------------------------------


def _dead(recipient: str, error: str, *, age: timedelta = timedelta(hours=3)) -> OutboxMessage:
    message = outbox_write(
        sender=HUB, recipient=recipient, kind="referral.deliver", referral_key=f"uji/{recipient}/1", version=1, body={}
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.DEAD, attempts=8, last_error=error, created_at=timezone.now() - age
    )
    return message


def test_the_sync_page_shows_a_dead_letter_and_replaying_it_queues_it_again(
    hub: Any, sync_cast: dict[str, User]
) -> None:
    letter = _dead("32.75", "DeliveryFailed: skema 32.75 tidak ditemukan")
    hugo = _logged_in("hugo")
    page = hugo.get("/konsol/sinkronisasi/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "referral.deliver" in html and "DeliveryFailed: skema 32.75 tidak ditemukan" in html
    assert "Kota Bekasi" in html and "3\xa0jam" in html  # the recipient by name, the age in words
    assert "Pesan keluar per penerima" in html and "perlu tindakan" in html

    replayed = _post(hugo, "/konsol/sinkronisasi/kirim-ulang/", {"id": str(letter.pk)}, follow=True)
    assert replayed.redirect_chain[-1][0] == "/konsol/sinkronisasi/"
    assert "1 pesan gagal dimasukkan lagi ke antrean kirim." in replayed.content.decode()
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (OutboxStatus.PENDING, 0)
    assert "Tidak ada pesan gagal." in replayed.content.decode()


def test_replay_all_requeues_every_dead_letter(hub: Any, sync_cast: dict[str, User]) -> None:
    letters = [_dead("32.75", "timeout"), _dead("kemenkes", "HTTP 503")]
    hugo = _logged_in("hugo")
    answer = _post(hugo, "/konsol/sinkronisasi/kirim-ulang/", {"all": "1"}, follow=True)
    assert "2 pesan gagal dimasukkan lagi ke antrean kirim." in answer.content.decode()
    assert {OutboxMessage.objects.get(pk=m.pk).status for m in letters} == {OutboxStatus.PENDING}
    # Sent again (another tab): nothing is dead any more, and the page says so.
    again = _post(hugo, "/konsol/sinkronisasi/kirim-ulang/", {"id": str(letters[0].pk)}, follow=True)
    assert "sudah tidak gagal" in again.content.decode()


# --- K/L registry and routing rules -----------------------------------------------------------------------


def test_a_rule_edited_in_the_console_changes_where_the_next_referral_goes(
    api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    assert _referred(api, sweep, "bansos", "PKH kami dihentikan").target_code == "kemensos"  # the registry's default
    hugo = _logged_in("hugo")
    added = _post(
        hugo,
        "/konsol/registri/aturan/baru/",
        {
            "kind": "category",
            "category_code": "bansos",
            "target_code": "kemendagri",
            "priority": "10",
            "is_active": "on",
        },
    )
    assert added.status_code == 302, added.content
    assert _referred(api, sweep, "bansos", "BLT desa tidak cair").target_code == "kemendagri"

    rule = RoutingRule.objects.get(category_code="bansos")
    form = hugo.get(f"/konsol/registri/aturan/{rule.pk}/").content.decode()
    assert 'value="kemendagri"' in form
    edited = _post(
        hugo,
        f"/konsol/registri/aturan/{rule.pk}/",
        {"kind": "category", "category_code": "bansos", "target_code": "KEMENKES", "priority": "10", "is_active": "on"},
    )
    assert edited.status_code == 302, edited.content
    assert _referred(api, sweep, "bansos", "Sembako bantuan tidak sampai").target_code == "kemenkes"

    # Switched off (the box unticked), the rule no longer decides: the registry's default again.
    off = {"kind": "category", "category_code": "bansos", "target_code": "kemenkes", "priority": "10"}
    assert _post(hugo, f"/konsol/registri/aturan/{rule.pk}/", off).status_code == 302
    assert _referred(api, sweep, "bansos", "Bantuan lansia berhenti").target_code == "kemensos"
    assert _post(hugo, f"/konsol/registri/aturan/{rule.pk}/hapus/", {}).status_code == 302
    assert not RoutingRule.objects.exists()


def test_a_bad_rule_is_explained_field_by_field_and_nothing_is_written(hub: Any, sync_cast: dict[str, User]) -> None:
    hugo = _logged_in("hugo")
    bad = _post(
        hugo,
        "/konsol/registri/aturan/baru/",
        {"kind": "location", "region_prefix": "32-75", "target_code": "kemenentah", "priority": "dua"},
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Tujuan kemenentah tidak dikenal hub" in html
    assert "awalan kode wilayah Kemendagri" in html and "Prioritas: bilangan bulat" in html
    assert 'href="#f-region_prefix"' in html and 'href="#f-target_code"' in html  # the summary links each field
    assert 'value="32-75"' in html
    assert not RoutingRule.objects.exists()


def test_a_location_rule_from_the_console_sends_a_region_elsewhere(sync_cast: dict[str, User]) -> None:
    hugo = _logged_in("hugo")
    rule = {"kind": "location", "region_prefix": "32.75.01", "target_code": "32", "priority": "1", "is_active": "on"}
    assert _post(hugo, "/konsol/registri/aturan/baru/", rule).status_code == 302
    assert route_resolve(origin="31", target_code="", category_code="", region_code="32.75.01.1001") == Route(
        "pemda", "32"
    )
    assert RoutingRule.objects.get().kind == RuleKind.LOCATION


def test_an_operator_moves_a_category_between_ministries_and_a_clash_is_refused(
    api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    hugo = _logged_in("hugo")
    kemendagri = {
        "name": "Kementerian Dalam Negeri",
        "acronym": "Kemendagri",
        "kind": "kementerian",
        "connector": "hub_console",
        "is_active": "on",
        "categories": ["kependudukan", "bansos"],
    }
    # Each category belongs to one active K/L, so its route is never a guess.
    clash = _post(hugo, "/konsol/registri/kl/kemendagri/", kemendagri)
    assert clash.status_code == 400
    assert "Kategori bansos sudah ditangani Kemensos. Hapus dulu dari sana." in clash.content.decode()
    assert Instansi.objects.get(code="kemendagri").categories == ["kependudukan"]

    kemensos = {**kemendagri, "name": "Kementerian Sosial", "acronym": "Kemensos", "categories": []}
    assert _post(hugo, "/konsol/registri/kl/kemensos/", kemensos).status_code == 302
    assert _post(hugo, "/konsol/registri/kl/kemendagri/", kemendagri).status_code == 302
    assert Instansi.objects.get(code="kemendagri").categories == ["kependudukan", "bansos"]
    assert _referred(api, sweep, "bansos", "PKH kami dihentikan").target_code == "kemendagri"

    # A K/L switched off gets no new referrals: the category waits in triage for an operator.
    assert _post(hugo, "/konsol/registri/kl/kemendagri/", {**kemendagri, "is_active": ""}).status_code == 302
    assert _referred(api, sweep, "bansos", "BLT desa tidak cair").status == HubStatus.TRIAGE


def test_an_operator_adds_a_new_institution_and_routing_follows(sync_cast: dict[str, User]) -> None:
    hugo = _logged_in("hugo")
    form = hugo.get("/konsol/registri/kl/baru/")
    assert form.status_code == 200 and "Urusan pemerintah pusat" in form.content.decode()
    new = {
        "code": "bgn",
        "name": "Badan Gizi Nasional",
        "acronym": "BGN",
        "kind": "lembaga",
        "connector": "hub_console",
        "is_active": "on",
        "other_categories": "makan-bergizi",
    }
    added = _post(hugo, "/konsol/registri/kl/baru/", new, follow=True)
    assert "K/L BGN ditambahkan ke registri." in added.content.decode()
    assert route_resolve(origin="31", target_code="", category_code="makan-bergizi", region_code="") == Route(
        "kl", "bgn"
    )
    again = _post(hugo, "/konsol/registri/kl/baru/", {**new, "code": "kemensos", "name": ""})
    assert again.status_code == 400
    html = again.content.decode()
    assert "Kode kemensos sudah dipakai K/L lain." in html and "Nama K/L wajib diisi." in html
    assert Instansi.objects.count() == 55
