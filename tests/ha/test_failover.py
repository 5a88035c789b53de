"""PostgreSQL failover: three members under Patroni (synchronous mode) with etcd on loopback, the
platform under gunicorn reaching whichever member is primary through libpq's multi-host target
(`target_session_attrs=read-write`).

Citizens file reports through the API from four threads, each with its own Idempotency-Key, and
retry a failed filing with the same key (as the mobile app does). Half-way, the leader's machine is
lost: its Patroni and PostgreSQL are SIGKILLed together. Afterwards every report answered 201 is in
the new primary, no key made two reports, a retry of a filing answered before the loss gets the
same report back, the statistics (Pemda and hub, through sync) count every report once, and filing
resumed; how long that took is printed (the leader key's TTL in etcd bounds it,
tests/ha/patroni.py), not asserted.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

import psycopg2
import pytest

from tests.ha import patroni
from tests.ha import postgres as pg
from tests.helpers import free_port

pytestmark = pytest.mark.slow

JAKARTA = "jakarta.localhost"
THREADS = 4
BEFORE_KILL_S = 4.0
AFTER_RESUME_S = 4.0
OUTAGE_LIMIT_S = 90.0  # a bound on the test's length, not a claim about the failover
PAYLOAD = {
    "type": "pengaduan",
    "category": "lampu-jalan",
    "text": "Sudah seminggu lampu penerangan jalan di depan nomor 12 mati, jalan gelap dan rawan.",
    "privacy": "public",
    "reporter_email": "warga@example.id",
}


@dataclass
class Attempt:
    key: str
    started: float
    ended: float
    status: int | None  # None: the connection failed
    tracking_id: str = ""
    replayed: bool = False


@dataclass
class Filing:
    port: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: list[Attempt] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> tracking ID answered with 201
    given_up: list[str] = field(default_factory=list)

    def post(self, key: str) -> Attempt:
        started = time.monotonic()
        body = json.dumps({**PAYLOAD, "title": f"Lampu jalan mati {key}"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                "POST",
                "/api/v1/reports/",
                body=body,
                headers={"Host": JAKARTA, "Content-Type": "application/json", "Idempotency-Key": key},
            )
            response = conn.getresponse()
            raw = response.read()
            attempt = Attempt(key, started, time.monotonic(), response.status)
            if response.status == 201:
                attempt.tracking_id = json.loads(raw)["tracking_id"]
                attempt.replayed = response.getheader("Idempotent-Replayed") == "true"
        except (OSError, http.client.HTTPException):
            attempt = Attempt(key, started, time.monotonic(), None)
        finally:
            conn.close()
        return attempt

    def citizen(self, number: int) -> None:
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            key = f"ha-{number}-{sequence}"
            while True:  # the same key until it is answered: a retry is never a second report
                attempt = self.post(key)
                with self.lock:
                    self.attempts.append(attempt)
                if attempt.status == 201:
                    with self.lock:
                        self.acknowledged[key] = attempt.tracking_id
                    break
                if attempt.status in (400, 403, 404, 422) or self.stop.is_set():
                    with self.lock:
                        self.given_up.append(f"{key}: {attempt.status}")
                    break
                time.sleep(0.2)


def _counts(cluster: patroni.Cluster) -> dict[str, int]:
    conn = psycopg2.connect(cluster.database_url.replace("postgres://", "postgresql://"), connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT code, schema_name FROM tenants_pemda WHERE slug = 'jakarta'")
            code, schema = cur.fetchone()
            cur.execute(f'SELECT count(*) FROM "{schema}".complaints_report')
            stored = cur.fetchone()[0]
            cur.execute(f'SELECT COALESCE(SUM(received), 0) FROM "{schema}".performance_unitmonthstats')
            pemda = cur.fetchone()[0]
            cur.execute(
                "SELECT COALESCE(SUM(received), 0) FROM national_hub_pemdastatsmonth WHERE pemda_code = %s", [code]
            )
            hub = cur.fetchone()[0]
    finally:
        conn.close()
    return {"stored": int(stored), "pemda": int(pemda), "hub": int(hub)}


def _wait_counted(cluster: patroni.Cluster, expected: int, timeout: float = 90) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            counts = _counts(cluster)
        except psycopg2.OperationalError:
            # No member takes writes this moment (a leader re-elected under load): ask again.
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
            continue
        if (counts["stored"] >= expected and counts["pemda"] == counts["hub"] == counts["stored"]) or (
            time.monotonic() > deadline
        ):
            return counts
        time.sleep(1)


def test_reports_answered_201_survive_losing_the_primary() -> None:
    pg.binaries_or_skip([pg.PG_BIN / "initdb", pg.PATRONI, pg.ETCD], "postgresql-15, patroni, etcd-server", "PATRONI")
    web_port = free_port()
    with pg.workdir("lapor-patroni-") as work, patroni.cluster(work) as cluster:
        cluster.wait_healthy(alive=3, timeout=90)
        first_leader = cluster.leader()
        pg.query(first_leader.pg_port, "CREATE DATABASE lapor")
        var_dir = work / "var"
        # All filings come from one address, thousands a minute: the per-address intake limit would answer 429.
        env = pg.app_env(
            var_dir, cluster.database_url, LAPOR_DB_CONNECT_TIMEOUT="2", LAPOR_INTAKE_RATE_PER_ADDRESS="off"
        )
        pg.app_prepare(env, var_dir)

        filing = Filing(port=web_port)
        with (
            pg.celery_worker(env, work / "beat-schedule", work / "worker.log"),
            # The requests refused during the outage are counted here; their tracebacks go to a file.
            pg.gunicorn(env, web_port, workers=2, log=work / "web.log"),
        ):
            # The worker is consuming before the loss: a first report reaches the hub's statistics.
            first = filing.post("ha-0-0")
            assert first.status == 201, first
            filing.acknowledged[first.key] = first.tracking_id
            warm = _wait_counted(cluster, expected=1)
            assert warm == {"stored": 1, "pemda": 1, "hub": 1}, warm
            citizens = [threading.Thread(target=filing.citizen, args=(n,)) for n in range(1, THREADS + 1)]
            for thread in citizens:
                thread.start()
            try:
                time.sleep(BEFORE_KILL_S)
                killed_at = time.monotonic()
                first_leader.kill()
                # Until filings started after the loss succeed again, then a few seconds more.
                resumed_at = None
                while time.monotonic() - killed_at < OUTAGE_LIMIT_S:
                    with filing.lock:
                        after = [a.ended for a in filing.attempts if a.started > killed_at and a.status == 201]
                    if after:
                        resumed_at = min(after)
                        break
                    time.sleep(0.2)
                assert resumed_at is not None, f"filing did not resume within {OUTAGE_LIMIT_S} s: {cluster.roles()}"
                time.sleep(AFTER_RESUME_S)
            finally:
                filing.stop.set()
                for thread in citizens:
                    thread.join(timeout=120)
            # A citizen's app retrying, after the failover, a filing answered before it: the same
            # report comes back (its Idempotency-Key was committed with it, on the standby too).
            before = [a for a in filing.attempts if a.status == 201 and a.ended < killed_at][-5:]
            replays = [filing.post(a.key) for a in before]
            # Sync ran through the loss too: the Pemda's statistics (drained from its audit trail by
            # the worker) and the hub's copy of them (stats.update through the outbox) count every
            # stored report once.
            counted = _wait_counted(cluster, expected=len(filing.acknowledged))
        worker_log = (work / "worker.log").read_text(errors="replace")

        new_leader = cluster.leader()
        assert new_leader is not first_leader
        schema = pg.query(
            new_leader.pg_port, "SELECT schema_name FROM tenants_pemda WHERE slug = 'jakarta'", dbname="lapor"
        )
        conn = psycopg2.connect(cluster.database_url.replace("postgres://", "postgresql://"))
        try:
            with conn.cursor() as cur:
                cur.execute(
                    f'SELECT tracking_id, title FROM "{schema[0][0]}".complaints_report'
                    " WHERE title LIKE 'Lampu jalan mati ha-%%'"
                )
                stored = cur.fetchall()
        finally:
            conn.close()

    by_tracking_id = {tracking_id: title for tracking_id, title in stored}
    keys_stored = [title.removeprefix("Lampu jalan mati ") for _tid, title in stored]
    failed = [a for a in filing.attempts if a.status != 201]
    killed_in_flight = [a for a in filing.attempts if a.started <= killed_at < a.ended]
    print(
        f"\nfailover: {len(filing.acknowledged)} reports answered 201 "
        f"({sum(1 for a in filing.acknowledged.values() if a)} distinct tracking IDs), "
        f"{len(failed)} failed attempts retried, {sum(a.replayed for a in filing.attempts)} answered by replay "
        f"during the run; "
        f"leader {first_leader.name} -> {new_leader.name}; filing resumed {resumed_at - killed_at:.1f} s after "
        f"the primary was lost (etcd TTL {patroni.TTL} s); {len(killed_in_flight)} requests in flight at the loss"
    )
    assert filing.given_up == []
    assert before and [(r.status, r.replayed, r.tracking_id) for r in replays] == [
        (201, True, a.tracking_id) for a in before
    ]
    if counted != {"stored": len(stored), "pemda": len(stored), "hub": len(stored)}:
        print(f"worker log:\n{worker_log[-6000:]}")
    assert counted == {"stored": len(stored), "pemda": len(stored), "hub": len(stored)}, counted
    # Every report answered 201 is there, under the tracking ID it was answered with.
    missing = {k: t for k, t in filing.acknowledged.items() if by_tracking_id.get(t) != f"Lampu jalan mati {k}"}
    assert missing == {}, missing
    # Nothing applied twice: one report per key.
    assert len(keys_stored) == len(set(keys_stored)), sorted(k for k in keys_stored if keys_stored.count(k) > 1)
    assert set(keys_stored) >= set(filing.acknowledged)
    assert len(filing.acknowledged) > THREADS + 1  # filing went on on both sides of the loss
    assert any(a.ended > killed_at and a.status == 201 for a in filing.attempts)
