"""Two deployments with their own databases federating over HTTP on loopback, and the faults.

Deployment A (national hub "hub-a", DKI Jakarta, Jawa Barat) and deployment B (Kota Bekasi's
own, with Jawa Barat as its parent) each run gunicorn against their own database; A reaches B
through a proxy that can drop connections, answer 500 or hold an answer back. Workers, sweepers
and the broker are real processes; the broker is kombu's SQLAlchemy transport on a PostgreSQL
server of its own, so the test can stop and restart it without touching the machine's RabbitMQ
(which other test runs share).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from django.db import connection

from deploy.embedded_pg import EmbeddedPostgres
from tests.bench.common import drop_database, fresh_database
from tests.helpers import REPO, database_url, free_port, process_env
from tests.sync.federation import Deployment, FlakyProxy, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROAD = {
    "type": "pengaduan",
    "category": "jalan",
    "title": "Jalan berlubang di Jalan Ahmad Yani Bekasi",
    "text": "Lubang besar di depan Summarecon Bekasi, sudah dua motor jatuh minggu ini.",
    "privacy": "public",
    "reporter_name": "Siti Aminah",
    "region_code": "32.75.01.1001",
}


class Federation:
    def __init__(self, a: Deployment, b: Deployment, proxy: FlakyProxy, broker: EmbeddedPostgres) -> None:
        self.a, self.b, self.proxy, self.broker = a, b, proxy, broker

    def submit(self, **fields: Any) -> dict[str, Any]:
        status, body = self.a.call("POST", "/api/v1/reports/", host="jakarta.localhost", body={**ROAD, **fields})
        assert status == 201, body
        return dict(body)

    def officer_id(self, tracking_id: str) -> int:
        status, body = self.a.call(
            "GET", f"/api/v1/officer/reports/?q={tracking_id}", host="jakarta.localhost", user="verif31"
        )
        assert status == 200, body
        return int(body["results"][0]["id"])

    def refer(self, tracking_id: str, target_code: str = "") -> int:
        status, _body = self.a.call(
            "POST",
            f"/api/v1/officer/reports/{self.officer_id(tracking_id)}/refer/",
            host="jakarta.localhost",
            body={"reason": "Bukan wewenang DKI", "target_code": target_code},
            user="verif31",
        )
        return status

    def received(self, deployment: Deployment, schema: str, tracking_ids: list[str]) -> dict[str, int]:
        rows = deployment.query(
            f"SELECT tracking_id, count(*) FROM {schema}.complaints_report WHERE tracking_id = ANY(%s)"
            " GROUP BY tracking_id",
            (tracking_ids,),
        )
        return {tid: n for tid, n in rows}


def _deployment(
    name: str, base_url: str, sync_name: str, broker_url: str, setup: dict[str, Any], upstream: str = ""
) -> Deployment:
    url = fresh_database(base_url, f"lapor_test_fed_{name}")
    env = process_env(
        DATABASE_URL=url,
        LAPOR_SYNC_NAME=sync_name,
        LAPOR_SYNC_UPSTREAM=upstream,
        # Short back-off so a peer that recovers is retried within seconds.
        LAPOR_SYNC_MAX_BACKOFF_SECONDS="2",
        LAPOR_LOG_LEVEL="WARNING",
        LAPOR_VAR_DIR=str(REPO / "var" / f"test-fed-{name}"),
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND="db+" + url.replace("postgres://", "postgresql+psycopg2://", 1),
    )
    deployment = Deployment(name=name, database_url=url, env=env, port=free_port())
    deployment.manage("migrate_schemas", "--shared", "--verbosity", "0")
    subprocess.run([sys.executable, "-m", "tests.sync.federation", json.dumps(setup)], env=env, cwd=REPO, check=True)
    return deployment


@pytest.fixture(scope="module")
def federation(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Federation]:
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
    broker = EmbeddedPostgres(
        pgdata=REPO / "var" / f"test-broker-{uuid.uuid4().hex[:8]}", port=free_port(), fast_unsafe=True
    )
    broker.start()
    conn = psycopg2.connect(host="127.0.0.1", port=broker.port, user="postgres", dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute("CREATE DATABASE broker")
    conn.cursor().execute("CREATE DATABASE broker_b")
    conn.close()
    broker_url = f"sqla+postgresql+psycopg2://postgres@127.0.0.1:{broker.port}/broker"
    a_port, b_port = free_port(), free_port()
    proxy = FlakyProxy(b_port)
    a = b = None
    try:
        a = _deployment("a", base, "hub-a", broker_url, {"pemda": ["31", "32"], "peers": {"32.75": proxy.url}})
        a.port = a_port
        b = _deployment(
            "b",
            base,
            "32.75",
            broker_url + "_b",
            {"pemda": ["32", "32.75"], "peers": {"hub-a": f"http://localhost:{a_port}/sync/v1/inbox/"}},
            upstream="hub-a",
        )
        b.port = b_port
        a.web()
        b.web()
        yield Federation(a, b, proxy, broker)
    finally:
        for d in (a, b):
            if d is not None:
                d.stop_all()
        proxy.close()
        broker.stop()
        shutil.rmtree(broker.pgdata, ignore_errors=True)
        drop_database(base, "lapor_test_fed_a")
        drop_database(base, "lapor_test_fed_b")


@pytest.fixture
def sweepers(federation: Federation) -> Iterator[None]:
    a, b = federation.a.sweeper(), federation.b.sweeper()
    try:
        yield
    finally:
        federation.a.stop(a)
        federation.b.stop(b)


def test_two_deployments_federate_over_http(federation: Federation, sweepers: None) -> None:
    a, b = federation.a, federation.b
    submitted = federation.submit()
    tid = submitted["tracking_id"]
    # No target named: the kelurahan code says Kota Bekasi, which runs its own deployment.
    assert federation.refer(tid) == 200
    wait_for(lambda: federation.received(b, "pemda_32_75", [tid]), timeout=60, what="the referral at Bekasi")

    ((unit_id,),) = b.query("SELECT id FROM pemda_32_75.agencies_unit WHERE code = 'DBM'")
    status, found = b.call("GET", f"/api/v1/officer/reports/?q={tid}", host="bekasi.localhost", user="verif3275")
    assert status == 200, found
    bekasi_id = found["results"][0]["id"]
    status, body = b.call(
        "POST",
        f"/api/v1/officer/reports/{bekasi_id}/verify/",
        host="bekasi.localhost",
        body={"unit_id": unit_id},
        user="verif3275",
    )
    assert status == 200, body
    answer = "Lubang sudah ditambal UPTD Jalan Kota Bekasi."
    status, body = b.call(
        "POST",
        f"/api/v1/officer/reports/{bekasi_id}/followups/",
        host="bekasi.localhost",
        body={"text": answer, "final": True},
        user="petugas3275",
    )
    assert status == 201, body

    def answered_at_origin() -> Any:
        _status, body = _track(a, submitted)
        return body if body.get("status") == "answered" else None

    tracked = wait_for(answered_at_origin, timeout=60, what="Bekasi's answer back at Jakarta")
    assert answer in [f["text"] for f in tracked["followups"]]
    assert federation.received(b, "pemda_32_75", [tid]) == {tid: 1}


def test_a_pemda_on_its_own_deployment_refers_through_the_national_hub_and_hears_back(
    federation: Federation, sweepers: None
) -> None:
    a, b = federation.a, federation.b
    # A Bekasi citizen reports, at Bekasi's own deployment, a matter of DKI Jakarta.
    body = {**ROAD, "title": "Bus Transjakarta rute Bekasi-Jakarta tidak berhenti di halte", "region_code": ""}
    status, submitted = b.call("POST", "/api/v1/reports/", host="bekasi.localhost", body=body)
    assert status == 201, submitted
    tid = submitted["tracking_id"]
    status, found = b.call("GET", f"/api/v1/officer/reports/?q={tid}", host="bekasi.localhost", user="verif3275")
    status, body = b.call(
        "POST",
        f"/api/v1/officer/reports/{found['results'][0]['id']}/refer/",
        host="bekasi.localhost",
        body={"reason": "Wewenang DKI Jakarta", "target_code": "31"},
        user="verif3275",
    )
    assert status == 200, body
    wait_for(lambda: federation.received(a, "pemda_31", [tid]), timeout=60, what="the referral at Jakarta")

    ((unit_id,),) = a.query("SELECT id FROM pemda_31.agencies_unit WHERE code = 'DBM'")
    jakarta_id = federation.officer_id(tid)
    status, body = a.call(
        "POST",
        f"/api/v1/officer/reports/{jakarta_id}/verify/",
        host="jakarta.localhost",
        body={"unit_id": unit_id},
        user="verif31",
    )
    assert status == 200, body
    answer = "Halte di perbatasan Bekasi kembali dilayani mulai Senin."
    status, body = a.call(
        "POST",
        f"/api/v1/officer/reports/{jakarta_id}/followups/",
        host="jakarta.localhost",
        body={"text": answer, "final": True},
        user="petugas31",
    )
    assert status == 201, body

    def answered_at_bekasi() -> Any:
        _status, tracked = _track(b, submitted, host="bekasi.localhost")
        return tracked if tracked.get("status") == "answered" else None

    tracked = wait_for(answered_at_bekasi, timeout=60, what="Jakarta's answer back at Bekasi's deployment")
    assert answer in [f["text"] for f in tracked["followups"]]
    assert federation.received(a, "pemda_31", [tid]) == {tid: 1}


def test_a_pemda_on_its_own_deployment_has_its_history_signed_and_checked_by_the_national_hub(
    federation: Federation, sweepers: None
) -> None:
    """Audit checkpoints across deployments: Bekasi's chain head travels as a signed HTTP sync message,
    the national hub signs it, and both `audit_verify` and the outsider's check read it over HTTP."""
    a, b = federation.a, federation.b
    body = {**ROAD, "title": "Trotoar rusak di Jalan Juanda Bekasi", "region_code": ""}
    status, submitted = b.call("POST", "/api/v1/reports/", host="bekasi.localhost", body=body)
    assert status == 201, submitted
    sent = _manage_output(b, "audit_checkpoint_send", "--schema", "pemda_32_75", "--day", "2031-06-01")
    assert "pemda_32_75: sent" in sent.stdout, sent.stdout + sent.stderr

    def signed_at_hub() -> Any:
        return a.query("SELECT position, head_hash FROM public.national_hub_auditcheckpoint WHERE pemda_code = '32.75'")

    ((position, head_hash),) = wait_for(signed_at_hub, timeout=60, what="Bekasi's checkpoint at the national hub")
    ((own_head,),) = b.query("SELECT hash FROM pemda_32_75.complaints_auditevent WHERE id = %s", (position,))
    assert own_head == head_hash

    hub = f"http://localhost:{a.port}"
    verified = _manage_output(b, "audit_verify", "--schema", "pemda_32_75", "--hub", hub)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "pemda_32_75: 1 checkpoint(s) match" in verified.stdout
    checked = _manage_output(
        b, "audit_verify_report", submitted["tracking_id"], "--pemda", f"http://bekasi.localhost:{b.port}", "--hub", hub
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK: 1 event(s) are in the history the hub signed on 2031-06-01" in checked.stdout


def _manage_output(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=deployment.env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _track(
    deployment: Deployment, submitted: dict[str, Any], host: str = "jakarta.localhost"
) -> tuple[int, dict[str, Any]]:
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=30)
    conn.request(
        "GET",
        f"/api/v1/reports/track/{submitted['tracking_id']}/",
        headers={"Host": host, "X-Reporter-Token": submitted["reporter_token"]},
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return response.status, body


def _outbox(deployment: Deployment, tracking_ids: list[str], kind: str) -> list[tuple[Any, ...]]:
    return deployment.query(
        "SELECT body->'report'->>'tracking_id', status, attempts FROM public.sync_outboxmessage"
        " WHERE kind = %s AND body->'report'->>'tracking_id' = ANY(%s)",
        (kind, tracking_ids),
    )


def test_a_peer_that_drops_connections_and_answers_500_for_a_while_gets_everything_once(
    federation: Federation, sweepers: None
) -> None:
    a, b = federation.a, federation.b
    tids = [federation.submit(title=f"Jalan rusak di Bekasi nomor {i}")["tracking_id"] for i in range(4)]
    federation.proxy.script = ["drop", "drop", "500", "500", "drop", "500", "500"]
    seen_before = len(federation.proxy.seen)
    for tid in tids:
        assert federation.refer(tid, target_code="32.75") == 200

    wait_for(lambda: len(federation.received(b, "pemda_32_75", tids)) == 4, timeout=90, what="all four at Bekasi")
    wait_for(
        lambda: all(row[1] == "delivered" for row in _outbox(a, tids, "referral.deliver")),
        timeout=30,
        what="A's outbox to record every delivery",
    )
    # Every failure mode was met, and still each referral took effect exactly once.
    assert {"drop", "500"} <= set(federation.proxy.seen[seen_before:])
    assert federation.received(b, "pemda_32_75", tids) == {tid: 1 for tid in tids}
    assert max(row[2] for row in _outbox(a, tids, "referral.deliver")) > 1
    routed = a.query("SELECT status FROM public.sync_hubreferral WHERE tracking_id = ANY(%s)", (tids,))
    assert sorted(r[0] for r in routed) == ["routed"] * 4


@pytest.mark.broker
def test_a_worker_killed_in_the_middle_of_a_delivery_loses_nothing_and_applies_nothing_twice(
    federation: Federation,
) -> None:
    a, b = federation.a, federation.b
    tid = federation.submit(title="Jembatan retak di Bekasi Utara")["tracking_id"]
    worker = a.worker()
    try:
        # The peer applies the message, then its answer is held back: the worker is mid-delivery.
        federation.proxy.hang_seconds = 30
        federation.proxy.script = ["hang"]
        assert federation.refer(tid, target_code="32.75") == 200
        wait_for(lambda: federation.received(b, "pemda_32_75", [tid]), timeout=90, what="the hanging delivery")
        a.stop(worker, signal.SIGKILL)
    finally:
        a.stop(worker)
    # Its transaction died with it: the outbox row is still pending, not lost and not "delivered".
    wait_for(
        lambda: [row[1] for row in _outbox(a, [tid], "referral.deliver")] == ["pending"],
        timeout=30,
        what="the outbox row to be pending again",
    )
    sweeper = a.sweeper()
    try:
        wait_for(
            lambda: [row[1] for row in _outbox(a, [tid], "referral.deliver")] == ["delivered"],
            timeout=60,
            what="the sweeper to re-deliver",
        )
    finally:
        a.stop(sweeper)
    # B got it twice and applied it once: its inbox answered the repeat as a duplicate.
    assert federation.received(b, "pemda_32_75", [tid]) == {tid: 1}
    assert b.query(
        "SELECT outcome FROM public.sync_inboxmessage WHERE kind = 'referral.deliver' AND referral_key IN"
        " (SELECT referral_key FROM pemda_32_75.complaints_referrallink WHERE tracking_id = %s)",
        (tid,),
    ) == [("created",)]


@pytest.mark.broker
def test_the_broker_stopped_and_restarted_while_referrals_are_made(federation: Federation) -> None:
    a = federation.a
    tids = [federation.submit(title=f"Saluran tersumbat di Jawa Barat {i}")["tracking_id"] for i in range(9)]
    worker, sweeper = a.worker(), a.sweeper()
    try:
        for tid in tids[:3]:
            assert federation.refer(tid, target_code="32") == 200
        federation.broker.stop()
        for tid in tids[3:6]:
            # The referral commits; the API may still report the notification queue's failure.
            federation.refer(tid, target_code="32")
        federation.broker.start()
        for tid in tids[6:]:
            assert federation.refer(tid, target_code="32") == 200

        committed = [
            row[0]
            for row in a.query(
                "SELECT r.tracking_id FROM pemda_31.complaints_referral f"
                " JOIN pemda_31.complaints_report r ON r.id = f.report_id WHERE r.tracking_id = ANY(%s)",
                (tids,),
            )
        ]
        assert len(committed) == 9
        wait_for(
            lambda: len(federation.received(a, "pemda_32", committed)) == len(committed),
            timeout=90,
            what="every committed referral at Jawa Barat",
        )
        # Exactly once at the receiver, and the origin shows where each went.
        assert federation.received(a, "pemda_32", committed) == {tid: 1 for tid in committed}
        wait_for(
            lambda: (
                a.query(
                    "SELECT count(*) FROM pemda_31.complaints_referrallink"
                    " WHERE role = 'origin' AND applied_version >= 1"
                    " AND tracking_id = ANY(%s)",
                    (committed,),
                )
                == [(len(committed),)]
            ),
            timeout=60,
            what="the origin to learn where each referral went",
        )
    finally:
        if not federation.broker.is_running():
            federation.broker.start()
        a.stop(worker)
        a.stop(sweeper)
