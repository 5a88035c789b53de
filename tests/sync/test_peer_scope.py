"""Each peer sends only its own messages: the inbox refuses a message outside its sender's scope.

A peer that holds a key (a Pemda on its own deployment, a K/L system) is authenticated, but that
is not leave to hand work to any Pemda, to speak for a referral someone else holds, or to refer
reports that are not its own. Each refusal answers with a code, is logged with the sender's name,
and leaves nothing behind: no report, no inbox row, no change at the hub.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.models import Report
from national_hub.models import HubReferral
from sync.handlers import SenderRefused
from sync.inbox import inbox_apply
from sync.models import InboxMessage, OutboxMessage, OutboxStatus, Peer
from sync.outbox import outbox_write
from sync.signing import peer_key_issue
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import BEKASI_ROAD, _refer

SECRET = "kunci-bersama-kemensos-untuk-uji"


@pytest.fixture
def kemensos_system(hub: Pemda) -> Peer:
    """Kemensos runs its own system: a peer with a key, entitled to speak for its own referrals."""
    peer = Peer.objects.create(code="kemensos", name="Kementerian Sosial", inbox_url="http://127.0.0.1:9/")
    peer_key_issue(peer=peer, key_id="kemensos-1", secret=SECRET)
    return peer


def _signed_post(message: dict[str, Any], *, peer: str = "kemensos", key_id: str = "kemensos-1") -> Any:
    body = json.dumps(message).encode()
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    signed = f"{ts}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return Client().post(
        "/sync/v1/inbox/",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_X_LAPOR_PEER=peer,
        HTTP_X_LAPOR_KEY_ID=key_id,
        HTTP_X_LAPOR_TIMESTAMP=ts,
        HTTP_X_LAPOR_NONCE=nonce,
        HTTP_X_LAPOR_SIGNATURE=hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest(),
    )


def _message(kind: str, to: str, referral: str, body: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {
        "schema": "lapor.sync/1",
        "id": str(uuid.uuid4()),
        "kind": kind,
        "to": to,
        "referral": referral,
        "version": version,
        "body": body,
    }


def _reports(pemda: Pemda) -> int:
    with tenant_context(pemda):
        return Report.objects.count()


def _referred_to_bekasi(api: Api, sweep: Any) -> HubReferral:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    return HubReferral.objects.get(tracking_id=submitted["tracking_id"])


def test_a_kl_peer_cannot_deliver_a_referral_to_a_pemda(jakarta: Pemda, kemensos_system: Peer, caplog: Any) -> None:
    before, inbox_before = _reports(jakarta), InboxMessage.objects.count()
    forged = _message(
        "referral.deliver",
        "31",
        "kemensos/rujukan-palsu-1",
        {"report": {"tracking_id": "ABCD-EFGHJ", "title": "Laporan titipan", "text": "x" * 20, "category": "bansos"}},
    )
    response = _signed_post(forged)
    # Only a hub hands work to a Pemda: refused, named, logged, and no report appears in Jakarta.
    assert (response.status_code, response.json()["code"]) == (403, "not_hub")
    assert "kemensos" in response.json()["detail"]
    assert "sync inbox refused (not_hub) from kemensos" in caplog.text
    assert _reports(jakarta) == before
    assert InboxMessage.objects.count() == inbox_before


def test_a_probe_from_a_peer_that_is_not_the_hub_is_refused(
    api: Api, sync_cast: Any, bekasi: Pemda, kemensos_system: Peer, sweep: Any
) -> None:
    hub_ref = _referred_to_bekasi(api, sweep)
    before = _reports(bekasi)
    probe = _message(
        "referral.probe", "32.75", hub_ref.referral_key, {"known_version": 0, "report": hub_ref.report}, version=1
    )
    response = _signed_post(probe)
    assert (response.status_code, response.json()["code"]) == (403, "not_hub")
    assert _reports(bekasi) == before
    assert not InboxMessage.objects.filter(message_id=probe["id"]).exists()
    # For a referral it never had, a probe from a hub would re-create it; from a K/L it creates nothing.
    unknown = _message("referral.probe", "32.75", "hub/31/999999", {"known_version": 0, "report": hub_ref.report})
    assert _signed_post(unknown).status_code == 403
    assert _reports(bekasi) == before


def test_a_pemda_cannot_update_a_referral_it_does_not_hold(
    api: Api, sync_cast: Any, tenants_registry: dict[str, Pemda], sweep: Any, caplog: Any
) -> None:
    hub_ref = _referred_to_bekasi(api, sweep)  # Kota Bekasi holds it, not Provinsi Jawa Barat
    update = _message("referral.update", "hub", hub_ref.referral_key, {"status": "closed"}, version=50)
    with pytest.raises(SenderRefused) as refused:
        inbox_apply(message=update, sender="32")
    assert refused.value.code == "not_holder"
    assert "sync inbox refused (not_holder) from 32" in caplog.text
    hub_ref.refresh_from_db()
    assert (hub_ref.status, hub_ref.receiver_version) == ("routed", 0)
    assert not InboxMessage.objects.filter(message_id=update["id"]).exists()

    # Sent the way a Pemda sends (its outbox, the sweeper): a dead letter at once, for the operators.
    outbox_write(
        sender="32", recipient="hub", to_party="hub", kind="referral.update",
        referral_key=hub_ref.referral_key, version=51, body={"status": "closed"},
    )  # fmt: skip
    sweep()
    dead = OutboxMessage.objects.get(sender="32", kind="referral.update")
    assert (dead.status, dead.attempts) == (OutboxStatus.DEAD, 1)
    assert "SenderRefused" in dead.last_error
    hub_ref.refresh_from_db()
    assert hub_ref.status == "routed"


def test_nobody_refers_a_report_that_is_not_their_own(
    api: Api, sync_cast: Any, kemensos_system: Peer, sweep: Any
) -> None:
    report = {"tracking_id": "WXYZ-23456", "title": "Rujukan atas nama orang lain", "text": "x" * 20}
    # A peer mints keys under its own name only: a key in Jakarta's name is refused.
    as_jakarta = _message("referral.create", "hub", "hub/31/424242", {"origin_party": "31", "report": report})
    response = _signed_post(as_jakarta)
    assert (response.status_code, response.json()["code"]) == (403, "not_origin")
    # A Pemda of this deployment refers as itself: Bekasi cannot file in Jakarta's name.
    with pytest.raises(SenderRefused):
        inbox_apply(message={**as_jakarta, "id": str(uuid.uuid4())}, sender="32.75")
    assert not HubReferral.objects.filter(referral_key="hub/31/424242").exists()
    # Its own referral, under its own key, is taken.
    own = _message("referral.create", "hub", "kemensos/kasus-7", {"origin_party": "kemensos", "report": report})
    assert _signed_post(own).json() == {"status": "triage"}


def test_a_repeat_of_an_update_sent_while_holding_is_acknowledged_after_the_referral_moved(
    api: Api, sync_cast: Any, sweep: Any
) -> None:
    hub_ref = _referred_to_bekasi(api, sweep)
    update = _message("referral.update", "hub", hub_ref.referral_key, {"status": "accepted"}, version=2)
    assert inbox_apply(message=update, sender="32.75") == "accepted"
    # The referral moves on; Bekasi's sweeper re-sends the same message (at-least-once delivery).
    HubReferral.objects.filter(pk=hub_ref.pk).update(target_code="32", updated_at=timezone.now())
    assert inbox_apply(message=update, sender="32.75") == "duplicate"
