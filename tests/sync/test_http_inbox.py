"""The signed HTTP transport: a K/L's own system gets webhooks and answers through the inbox API.

The K/L system here is a small HTTP server on loopback that checks the signature with its own
copy of the key (computed independently of sync.signing), as a real ministry system would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from national_hub.models import HubReferral
from national_hub.registry.models import Connector, Instansi
from sync.models import InboxMessage, Peer
from sync.signing import peer_key_issue
from tests.complaints.conftest import Api
from tests.helpers import free_port
from tests.sync.test_referral_flows import _refer, _track

KEY_ID = "kemenkes-2026"
SECRET = "kunci-bersama-kemenkes-untuk-uji"


def _mac(timestamp: str, nonce: str, body: bytes, secret: str = SECRET) -> str:
    signed = f"{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class KlSystem:
    """What the ministry's system received, with its own verdict on each signature."""

    def __init__(self) -> None:
        self.received: list[tuple[bool, dict[str, Any]]] = []


@pytest.fixture
def kl_system() -> Iterator[tuple[KlSystem, str]]:
    system = KlSystem()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = hmac.compare_digest(
                _mac(self.headers["X-Lapor-Timestamp"], self.headers["X-Lapor-Nonce"], body),
                self.headers["X-Lapor-Signature"],
            )
            system.received.append((ok and self.headers["X-Lapor-Key-Id"] == KEY_ID, json.loads(body)))
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "queued"}')

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield system, f"http://127.0.0.1:{port}/lapor/webhook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def kemenkes(kl_system: tuple[KlSystem, str], hub: Any) -> Peer:
    Instansi.objects.filter(code="kemenkes").update(connector=Connector.WEBHOOK)
    peer = Peer.objects.create(code="kemenkes", name="Kementerian Kesehatan", inbox_url=kl_system[1])
    peer_key_issue(peer=peer, key_id=KEY_ID, secret=SECRET)
    return peer


def _post(
    message: dict[str, Any],
    *,
    peer: str = "kemenkes",
    secret: str = SECRET,
    timestamp: int | None = None,
    nonce: str | None = None,
    lang: str = "id",
) -> Any:
    body = json.dumps(message).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    return Client().post(
        "/sync/v1/inbox/",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_ACCEPT_LANGUAGE=lang,
        HTTP_X_LAPOR_PEER=peer,
        HTTP_X_LAPOR_KEY_ID=KEY_ID,
        HTTP_X_LAPOR_TIMESTAMP=ts,
        HTTP_X_LAPOR_NONCE=nonce,
        HTTP_X_LAPOR_SIGNATURE=_mac(ts, nonce, body, secret),
    )


def _update(
    referral_key: str, version: int, status: str, followups: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "schema": "lapor.sync/1",
        "id": str(uuid.uuid4()),
        "kind": "referral.update",
        "to": "hub",
        "referral": referral_key,
        "version": version,
        "body": {"status": status, "receiver_name": "Kementerian Kesehatan", "followups": followups or []},
    }


@pytest.fixture
def referred_to_kemenkes(api: Api, sync_cast: Any, kemenkes: Peer, sweep: Any) -> tuple[dict[str, Any], HubReferral]:
    submitted = api.submit(
        category="kesehatan",
        title="Obat program TB kosong di puskesmas",
        text="Sudah tiga minggu obat TB program nasional tidak tersedia.",
        privacy="anonim",
    )
    _refer(api, submitted, target_code="kemenkes")
    sweep()
    return submitted, HubReferral.objects.get(tracking_id=submitted["tracking_id"])


def test_a_kl_system_gets_a_signed_webhook_and_its_answer_reaches_the_citizen(
    api: Api, kl_system: tuple[KlSystem, str], referred_to_kemenkes: Any, sweep: Any
) -> None:
    submitted, hub_ref = referred_to_kemenkes
    ((signature_ok, message),) = kl_system[0].received
    assert signature_ok
    assert (message["kind"], message["to"], message["schema"]) == ("referral.deliver", "kemenkes", "lapor.sync/1")
    assert "reporter" not in message["body"]["report"]  # anonim: the identity stayed in Jakarta

    answer = {"id": "kemenkes:1", "text": "Stok OAT dikirim ke Dinkes DKI minggu ini.", "is_final": True}
    response = _post(_update(hub_ref.referral_key, 2, "answered", [answer]))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "answered"}
    sweep()
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert answer["text"] in [f["text"] for f in tracked["followups"]]


@pytest.mark.parametrize(
    ("tamper", "status", "code"),
    [
        ({"secret": "kunci-yang-salah"}, 401, "bad_signature"),
        ({"peer": "kemenkeu"}, 401, "unknown_peer"),
        ({"timestamp": int(time.time()) - 3600}, 403, "stale_timestamp"),
    ],
)
def test_a_forged_unknown_or_stale_message_is_refused_and_nothing_applied(
    referred_to_kemenkes: Any, tamper: dict[str, Any], status: int, code: str, caplog: Any
) -> None:
    _submitted, hub_ref = referred_to_kemenkes
    inbox_before = InboxMessage.objects.count()
    response = _post(_update(hub_ref.referral_key, 5, "closed"), **tamper)
    assert (response.status_code, response.json()["code"]) == (status, code)
    hub_ref.refresh_from_db()
    assert hub_ref.status == "routed"
    assert InboxMessage.objects.count() == inbox_before
    assert f"sync inbox refused ({code})" in caplog.text


def test_a_replayed_message_is_refused_the_second_time(referred_to_kemenkes: Any) -> None:
    _submitted, hub_ref = referred_to_kemenkes
    message = _update(hub_ref.referral_key, 2, "accepted")
    nonce = secrets.token_hex(16)
    assert _post(message, nonce=nonce).status_code == 200
    replayed = _post(message, nonce=nonce)
    assert (replayed.status_code, replayed.json()["code"]) == (403, "replayed_nonce")
    assert "ulangan" in replayed.json()["detail"]


def test_an_unknown_schema_version_is_refused_with_a_clear_error_in_the_callers_language(
    referred_to_kemenkes: Any,
) -> None:
    _submitted, hub_ref = referred_to_kemenkes
    message = {**_update(hub_ref.referral_key, 2, "closed"), "schema": "lapor.sync/9"}
    refused = _post(message)
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_schema_version")
    assert "lapor.sync/9" in refused.json()["detail"] and "tidak dikenal" in refused.json()["detail"]
    in_english = _post({**message, "id": str(uuid.uuid4())}, lang="en")
    assert "unknown" in in_english.json()["detail"]
    hub_ref.refresh_from_db()
    assert hub_ref.status == "routed"


def test_the_same_update_sent_three_times_is_applied_once(referred_to_kemenkes: Any, sweep: Any) -> None:
    _submitted, hub_ref = referred_to_kemenkes
    message = _update(hub_ref.referral_key, 2, "accepted")
    outcomes = [_post(message).json()["status"] for _ in range(3)]
    assert outcomes == ["accepted", "duplicate", "duplicate"]
    hub_ref.refresh_from_db()
    assert hub_ref.version == 2  # routed (1) + accepted (2): once


def test_an_update_from_a_peer_that_is_not_the_receiver_is_refused_and_changes_nothing(
    referred_to_kemenkes: Any, kemenkes: Peer, caplog: Any
) -> None:
    _submitted, hub_ref = referred_to_kemenkes
    other = Peer.objects.create(code="kemenkeu", name="Kementerian Keuangan")
    peer_key_issue(peer=other, key_id="kemenkeu-1", secret=SECRET)
    inbox_before = InboxMessage.objects.count()
    body = json.dumps(_update(hub_ref.referral_key, 9, "closed")).encode()
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    response = Client().post(
        "/sync/v1/inbox/",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_X_LAPOR_PEER="kemenkeu",
        HTTP_X_LAPOR_KEY_ID="kemenkeu-1",
        HTTP_X_LAPOR_TIMESTAMP=ts,
        HTTP_X_LAPOR_NONCE=nonce,
        HTTP_X_LAPOR_SIGNATURE=_mac(ts, nonce, body),
    )
    # Kemenkeu does not hold this referral (Kemenkes does): refused, with the reason, and logged.
    assert (response.status_code, response.json()["code"]) == (403, "not_holder")
    assert "kemenkeu" in response.json()["detail"]
    assert "sync inbox refused (not_holder) from kemenkeu" in caplog.text
    hub_ref.refresh_from_db()
    assert hub_ref.status == "routed"
    assert InboxMessage.objects.count() == inbox_before


def test_the_message_schema_is_published(hub: Any) -> None:
    schema = Client().get("/sync/v1/schema.json", HTTP_HOST="localhost").json()
    assert schema["properties"]["schema"] == {"const": "lapor.sync/1"}
