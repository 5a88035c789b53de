"""Hub operators see the onboarding state of all 552 Pemda and onboard one, over the API and the console.

Cast: olga (hub operator), alice (Jakarta's tenant admin, not a hub operator).
"""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, Role
from tenants.models import Pemda

pytestmark = pytest.mark.django_db


def _basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{username}-pass-123".encode()).decode()


@pytest.fixture
def olga(hub: Pemda) -> User:
    user = User.objects.create_user("olga", password="olga-pass-123")
    Membership.objects.create(user=user, tenant=hub, role=Role.HUB_OPERATOR)
    return user


@pytest.fixture
def alice(jakarta: Pemda) -> User:
    user = User.objects.create_user("alice", password="alice-pass-123")
    Membership.objects.create(user=user, tenant=jakarta, role=Role.TENANT_ADMIN)
    return user


def _api(method: str, path: str, user: str, **kwargs: object) -> object:
    client = Client(HTTP_AUTHORIZATION=_basic(user))
    return getattr(client, method)(path, HTTP_HOST="localhost", content_type="application/json", **kwargs)


def test_operator_sees_all_552_with_their_state(olga: User) -> None:
    response = _api("get", "/api/v1/hub/onboarding/", "olga")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 552 == sum(body["counts"].values())
    registered = Pemda.objects.exclude(kind="hub").count()
    assert body["counts"]["not_started"] == 552 - registered
    jakarta = next(r for r in body["results"] if r["code"] == "31")
    assert (jakarta["state"], jakarta["domain"], jakarta["timezone"]) == ("live", "jakarta.localhost", "WIB")
    makassar = next(r for r in body["results"] if r["code"] == "73.71")
    assert (makassar["state"], makassar["state_label"], makassar["timezone"]) == (
        "not_started",
        "belum dimulai",
        "WITA",
    )


def test_operator_filters_by_province_and_state(olga: User) -> None:
    body = _api("get", "/api/v1/hub/onboarding/?province=32&state=live", "olga").json()
    assert {r["code"] for r in body["results"]} == {"32", "32.75"}
    assert _api("get", "/api/v1/hub/onboarding/?state=maybe", "olga").status_code == 400


def test_operator_onboards_a_pemda_and_a_repeat_is_a_no_op(olga: User) -> None:
    created = _api(
        "post", "/api/v1/hub/onboarding/", "olga", data={"code": "91.71", "admin_email": "a@jayapurakota.go.id"}
    )
    assert created.status_code == 201
    assert [(r["code"], r["outcome"]) for r in created.json()] == [("91", "created"), ("91.71", "created")]
    assert created.json()[1]["login_url"].startswith("http://kota-jayapura.localhost:8000/masuk/")

    listed = _api("get", "/api/v1/hub/onboarding/?province=91", "olga").json()
    assert {r["code"]: r["state"] for r in listed["results"]}["91.71"] == "live"

    again = _api("post", "/api/v1/hub/onboarding/", "olga", data={"code": "91.71"})
    assert again.status_code == 200
    assert again.json()[0]["outcome"] == "unchanged" and "sudah aktif" in again.json()[0]["message"]


def test_bad_input_is_refused_with_a_clear_message(olga: User) -> None:
    unknown = _api("post", "/api/v1/hub/onboarding/", "olga", data={"code": "91.99"})
    assert unknown.status_code == 400
    assert "tidak dikenal" in unknown.json()["detail"] and "91.71 Kota Jayapura" in unknown.json()["detail"]
    taken = _api("post", "/api/v1/hub/onboarding/", "olga", data={"code": "91.71", "domains": ["bekasi.localhost"]})
    assert taken.status_code == 400 and "sudah dipakai" in taken.json()["detail"]
    assert not Pemda.objects.filter(code__startswith="91").exists()


def test_archive_then_delete_needs_the_code_as_confirmation(olga: User) -> None:
    _api("post", "/api/v1/hub/onboarding/", "olga", data={"code": "91.71"})
    archived = _api("post", "/api/v1/hub/pemda/91.71/archive/", "olga")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    listed = _api("get", "/api/v1/hub/onboarding/?province=91&state=archived", "olga").json()
    assert [r["code"] for r in listed["results"]] == ["91.71"]

    refused = _api("delete", "/api/v1/hub/pemda/91.71/", "olga", data={"confirm": "91.7"})
    assert refused.status_code == 400 and "sama persis" in refused.json()["detail"]
    assert _api("delete", "/api/v1/hub/pemda/91.71/", "olga", data={"confirm": "91.71"}).status_code == 204
    assert not Pemda.objects.filter(code="91.71").exists()


def test_only_hub_operators_on_the_hub_host(olga: User, alice: User) -> None:
    assert _api("get", "/api/v1/hub/onboarding/", "alice").status_code == 403
    assert _api("post", "/api/v1/hub/onboarding/", "alice", data={"code": "91.71"}).status_code == 403
    assert Client().get("/api/v1/hub/onboarding/", HTTP_HOST="localhost").status_code in (401, 403)
    # The hub API does not exist on a Pemda host, even for the operator.
    on_pemda = Client(HTTP_AUTHORIZATION=_basic("olga")).get("/api/v1/hub/onboarding/", HTTP_HOST="jakarta.localhost")
    assert on_pemda.status_code == 404


def test_console_shows_counts_and_onboards_from_the_form(olga: User, alice: User) -> None:
    client = Client()
    client.force_login(olga)
    page = client.get("/konsol/onboarding/?provinsi=73", HTTP_HOST="localhost")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kota Makassar" in html and "belum dimulai" in html
    assert "Kota Bekasi" not in html  # filtered to Sulawesi Selatan

    posted = client.post("/konsol/onboarding/?provinsi=73", {"code": "73.71"}, HTTP_HOST="localhost")
    assert posted.status_code == 200
    html = posted.content.decode()
    assert "Kota Makassar: aktif" in html and "/masuk/" in html

    bad = client.post("/konsol/onboarding/", {"code": "73.99"}, HTTP_HOST="localhost")
    assert bad.status_code == 400 and "Yang paling mirip" in bad.content.decode()

    # A K/L officer is a hub member but not an operator; alice has no role at the hub at all,
    # so there she is anonymous and is sent to log in, like a stranger.
    ken = User.objects.create_user("ken", password="ken-pass-123")
    Membership.objects.create(user=ken, tenant=olga.memberships.get().tenant, role=Role.KL_OFFICER)
    officer = Client()
    officer.force_login(ken)
    assert officer.get("/konsol/onboarding/", HTTP_HOST="localhost").status_code == 403
    stranger = Client()
    stranger.force_login(alice)
    assert stranger.get("/konsol/onboarding/", HTTP_HOST="localhost").status_code == 302
    assert Client().get("/konsol/onboarding/", HTTP_HOST="localhost").status_code == 302


@pytest.mark.parametrize(("method", "path"), [("get", "export/"), ("post", "archive/"), ("post", "unarchive/")])
def test_a_pemda_that_is_not_registered_is_a_404(olga: User, method: str, path: str) -> None:
    # Found by the schema fuzz: an unknown code in the path answered 400, which the schema did not list.
    response = _api(method, f"/api/v1/hub/pemda/99.99/{path}", "olga")
    assert response.status_code == 404
    assert "tidak terdaftar" in response.json()["detail"] and response.json()["code"] == "not_found"


@pytest.mark.parametrize("ids", [[True], [1], [None]])
def test_dead_letter_replay_takes_message_ids_as_uuid_strings_only(olga: User, ids: list[object]) -> None:
    # Found by the schema fuzz: DRF's UUIDField read `true` as UUID(int=1) and answered 200.
    response = _api("post", "/api/v1/hub/sync/dead-letters/replay/", "olga", data={"ids": ids})
    assert response.status_code == 400 and "ids" in response.json()
