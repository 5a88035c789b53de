"""Delivery guarantees: repeats and reordering are harmless, failures back off, dead letters replay.

Delivery, inbox and reconciliation run against real PostgreSQL in-process; the real-process
faults (worker killed, broker stopped, HTTP peer failing) are in test_federation.py and
test_rabbitmq_restart.py.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.models import Report
from national_hub.models import HubReferral
from national_hub.reconcile import reconcile_run
from sync.delivery import outbox_deliver, outbox_replay, outbox_sweep
from sync.inbox import inbox_apply
from sync.models import InboxMessage, OutboxMessage, OutboxStatus, Peer
from sync.transports import envelope_of
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import BEKASI_ROAD, _refer, _track


def _pending(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING).order_by("created_at"))


def test_the_same_message_delivered_three_times_takes_effect_once(
    api: Api, sync_cast: Any, bekasi: Pemda, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    outbox_sweep()  # origin -> hub: the hub routes and writes the delivery to Bekasi
    (delivery,) = _pending("referral.deliver")
    envelope = envelope_of(delivery)
    outcomes = [inbox_apply(message=envelope, sender="hub") for _ in range(3)]
    assert outcomes == ["created", "duplicate", "duplicate"]
    # The outbox row itself is still pending: its own delivery is one more repeat.
    assert outbox_deliver(message_id=delivery.pk) == "delivered"
    with tenant_context(bekasi):
        assert Report.objects.filter(tracking_id=submitted["tracking_id"]).count() == 1
    assert InboxMessage.objects.get(message_id=delivery.pk).outcome == "created"


def test_status_updates_in_the_wrong_order_leave_the_newest_state(
    api: Api, bekasi_api: Api, sync_cast: Any, bekasi_dbm: Any, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    (disposed,) = _pending("referral.update")
    late = envelope_of(disposed)
    # That update is "in flight" (sent, not yet arrived) while Bekasi answers.
    OutboxMessage.objects.filter(pk=disposed.pk).update(status=OutboxStatus.DELIVERED)
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": "Sudah ditambal.", "final": True}, user="bela"
    )
    (answered,) = _pending("referral.update")
    assert (late["body"]["status"], answered.body["status"]) == ("disposed", "answered")

    # The newer update arrives first; the late older one must not undo it.
    assert outbox_deliver(message_id=answered.pk) == "delivered"
    assert inbox_apply(message=late, sender="32.75") == "stale"
    sweep()
    assert HubReferral.objects.get(tracking_id=submitted["tracking_id"]).status == "answered"
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert [f["text"] for f in tracked["followups"]] == ["Sudah ditambal."]


@override_settings(LAPOR_SYNC_MAX_ATTEMPTS=3)
def test_an_unreachable_peer_backs_off_then_dead_letters_and_replay_delivers(
    api: Api, hub_api: Api, sync_cast: Any, sweep: Any
) -> None:
    # Kota Bekasi "moved to its own deployment" at an address where nothing listens.
    peer = Peer.objects.create(
        code="32.75", name="Kota Bekasi (mandiri)", inbox_url="http://127.0.0.1:9/sync/v1/inbox/"
    )
    call_command("sync_peer", "32.75", "--url", peer.inbox_url, stdout=io.StringIO())
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    # One sweep: origin -> hub (same database), then a first attempt at the peer, which fails.
    assert outbox_sweep() == {"delivered": 1, "failed": 1}
    (delivery,) = _pending("referral.deliver")
    assert delivery.recipient == "32.75"
    first_wait = delivery.next_attempt_at - timezone.now()
    assert delivery.attempts == 1 and "URLError" in delivery.last_error
    # Backing off: not due, so a sweep leaves it alone.
    assert outbox_sweep().get("failed", 0) == 0
    assert outbox_deliver(message_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > first_wait
    assert outbox_deliver(message_id=delivery.pk) == "dead"

    status = hub_api.get("/api/v1/hub/sync/status/", user="hugo").json()
    (row,) = [r for r in status["out"] if r["peer"] == "32.75"]
    assert (row["dead_letters"], row["backlog"]) == (1, 0)
    assert [d["id"] for d in status["dead_letters"]] == [str(delivery.pk)]
    out = io.StringIO()
    call_command("sync_status", stdout=out)
    assert f"dead letter {delivery.pk} -> 32.75" in out.getvalue()
    metrics = hub_api.get("/api/v1/hub/sync/metrics/", user="hugo")
    assert 'lapor_sync_dead_letters{peer="32.75",direction="out"} 1' in metrics.content.decode()
    assert hub_api.get("/api/v1/hub/sync/metrics/", user="kiki").status_code == 403

    # The peer comes back as this deployment's own Pemda again; the operator replays.
    peer.delete()
    replay = hub_api.post("/api/v1/hub/sync/dead-letters/replay/", {"ids": [str(delivery.pk)]}, user="hugo")
    assert replay.json() == {"replayed": 1}
    sweep()
    delivery.refresh_from_db()
    assert delivery.status == OutboxStatus.DELIVERED
    assert outbox_replay(message_ids=[str(delivery.pk)]) == 0  # only dead letters are replayed


def test_sync_status_as_json_counts_backlog_per_peer(api: Api, sync_cast: Any) -> None:
    _refer(api, api.submit(**BEKASI_ROAD), target_code="32.75")
    out = io.StringIO()
    call_command("sync_status", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())["out"]
    assert (row["peer"], row["backlog"]) == ("hub", 1)


def test_reconciliation_repairs_an_update_the_hub_never_applied(
    api: Api, bekasi_api: Api, sync_cast: Any, bekasi_dbm: Any, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    # Drift: the update is marked delivered but never applied (say, a restore from backup).
    OutboxMessage.objects.filter(kind="referral.update", status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DELIVERED
    )
    hub_ref = HubReferral.objects.get(tracking_id=submitted["tracking_id"])
    assert hub_ref.status == "routed"

    counts = reconcile_run(older_than=timezone.timedelta(0))
    assert counts["probed"] == 1
    sweep()
    hub_ref.refresh_from_db()
    assert hub_ref.status == "accepted"
    assert InboxMessage.objects.filter(kind="referral.probe", outcome="drift:resent").count() == 1


def test_a_sweep_reads_only_the_public_outbox_however_many_tenants_are_quiet(
    jakarta: Pemda, bekasi: Pemda, sync_cast: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert outbox_sweep() == {}
    sql = [q["sql"] for q in queries.captured_queries]
    # A fixed handful of statements on public sync tables; nothing per tenant schema.
    assert len(sql) <= 6, sql
    assert not [s for s in sql if "pemda_" in s or "complaints_" in s or "search_path" in s], sql
    assert any("sync_outboxmessage" in s for s in sql)


def test_peer_secrets_are_sealed_at_rest_and_shown_only_when_issued(hub: Any) -> None:
    from django.db import connection

    from lapor.crypto import PREFIX
    from sync.signing import peer_key_issue

    peer = Peer.objects.create(code="kemenkes", name="Kementerian Kesehatan")
    issued = peer_key_issue(peer=peer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM sync_peerkey WHERE key_id = %s", [issued.key.key_id])
        (stored,) = cursor.fetchone()
    # A database dump holds the sealed form only; the clear secret was handed out once, here.
    assert stored.startswith(PREFIX) and issued.secret not in stored
    out = io.StringIO()
    call_command("sync_peer", "kemenkes", "--key-id", "kemenkes-2", "--secret", "diberikan-oleh-hub", stdout=out)
    assert "diberikan-oleh-hub" not in out.getvalue()
    assert "diberikan-oleh-hub" not in str(list(peer.keys.values_list("secret", flat=True)))


def test_keys_stored_in_plaintext_before_are_sealed_by_the_migration(hub: Any) -> None:
    import importlib

    from django.apps import apps

    from lapor.crypto import PEER_SECRET, decrypt
    from sync.models import PeerKey

    peer = Peer.objects.create(code="kemenkes", name="Kementerian Kesehatan")
    PeerKey.objects.create(peer=peer, key_id="lama-1", secret="rahasia-lama-polos")
    migration = importlib.import_module("sync.migrations.0004_peer_secrets_encrypted")
    migration.seal(apps, None)
    migration.seal(apps, None)  # a repeat seals nothing twice
    key = PeerKey.objects.get(key_id="lama-1")
    assert key.secret != "rahasia-lama-polos"
    assert decrypt(key.secret, use=PEER_SECRET) == "rahasia-lama-polos"
