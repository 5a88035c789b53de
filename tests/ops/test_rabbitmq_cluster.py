"""A three-node RabbitMQ cluster loses the node that leads the task queue while referrals and
notifications flow: every referral arrives once, every e-mail leaves once.

The deployment (gunicorn, a Celery worker, beat and the sync sweeper, its own database) is given
the three nodes as one failover list (`amqp://…:p1;amqp://…:p2;amqp://…:p3`). Its queues are
quorum queues (lapor.broker), replicated to all three nodes. Reports are filed and referred from
DKI Jakarta to Jawa Barat; then the quorum queue's leader is killed (SIGKILL, no goodbye) while
more are filed and referred, and the survivors elect a new leader. What the citizen and the
receiving Pemda notice is counted in the database and the mail that left: each referral made
exactly one report at Jawa Barat, each notification was sent once (one attempt, one e-mail).
A message no worker can run (an unknown task) ends in the queue's dead-letter queue.

Skipped only where Debian's rabbitmq-server is not installed (.ci/run installs it and sets
LAPOR_REQUIRE_RABBITMQ=1, which turns the skip into a failure).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.bench.common import drop_database
from tests.helpers import BIN, REPO, database_url
from tests.ops.rabbit_cluster import RabbitCluster, rabbitmq_or_skip
from tests.sync.federation import Deployment, wait_for
from tests.sync.test_federation import Federation, _deployment

# Not marked `broker`: it brings its own brokers, so the CI pass against the machine's RabbitMQ
# (`-m broker`) need not run it again.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NAME = "rmqcluster"
QUEUE = "celery"


@pytest.fixture(scope="module")
def cluster() -> Iterator[RabbitCluster]:
    rabbitmq_or_skip()
    started = time.monotonic()
    cluster = RabbitCluster(3)
    try:
        cluster.start()
        print(f"\nRabbitMQ cluster of 3 nodes up in {time.monotonic() - started:.1f} s: {cluster.urls}")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def deployment(django_db_setup: Any, django_db_blocker: Any, cluster: RabbitCluster) -> Iterator[Deployment]:
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
    d = _deployment(NAME, base, "hub-rmqc", cluster.urls, {"pemda": ["31", "32"]})
    # Beat's SLA scan re-sends a notification whose batch a dying broker swallowed (after a minute).
    d.env["LAPOR_SLA_SCAN_SECONDS"] = "5"
    try:
        d.web()
        yield d
    finally:
        d.stop_all()
        drop_database(base, f"lapor_test_fed_{NAME}")


def _mails(deployment: Deployment) -> str:
    mail_dir = REPO / "var" / f"test-fed-{NAME}" / "mail"
    return "".join(p.read_text(errors="replace") for p in mail_dir.glob("*.log")) if mail_dir.exists() else ""


def _notifications(deployment: Deployment, tids: list[str]) -> list[tuple[Any, ...]]:
    return deployment.query(
        "SELECT r.tracking_id, n.event, n.status, n.attempts FROM pemda_31.complaints_notification n"
        " JOIN pemda_31.complaints_report r ON r.id = n.report_id WHERE r.tracking_id = ANY(%s)",
        (tids,),
    )


def test_the_queue_leader_dies_while_referrals_and_notifications_flow(
    cluster: RabbitCluster, deployment: Deployment
) -> None:
    federation = Federation(deployment, deployment, proxy=None, broker=None)  # type: ignore[arg-type]
    first = cluster.nodes[0]
    leader, members = cluster.queue_members(QUEUE, first)
    assert len(members) == 3, f"the quorum queue must live on all three nodes, found {members}"
    assert cluster.queue_members(f"{QUEUE}.dead", first)[1], "the dead-letter queue is declared with it"

    worker = deployment.worker()
    sweeper = deployment.sweeper()
    beat = deployment.spawn(
        str(BIN / "celery"), "-A", "lapor", "beat", "-l", "warning",
        "-s", str(REPO / "var" / f"test-fed-{NAME}" / "celerybeat-schedule"),
    )  # fmt: skip

    def file_and_refer(i: int) -> str:
        tid = federation.submit(title=f"Drainase tersumbat di Jawa Barat {i}", reporter_email=f"warga{i}@example.id")[
            "tracking_id"
        ]
        assert federation.refer(tid, target_code="32") == 200
        return tid

    try:
        tids = [file_and_refer(i) for i in range(6)]
        # Kill the leader while those messages are still being published, queued and worked on.
        victim = cluster.node(leader)
        killed_at = time.monotonic()
        victim.kill()
        survivor = next(node for node in cluster.nodes if node is not victim)
        tids += [file_and_refer(i) for i in range(6, 12)]

        new_leader = wait_for(
            lambda: (lambda found: found if found[0] != leader else None)(cluster.queue_members(QUEUE, survivor)),
            timeout=60,
            what="a new leader of the task queue",
        )[0]
        wait_for(
            lambda: len(federation.received(deployment, "pemda_32", tids)) == len(tids),
            timeout=180,
            what="every referral at Jawa Barat",
        )
        referrals_done = time.monotonic() - killed_at
        wait_for(
            lambda: (
                (rows := _notifications(deployment, tids))
                and all(status in ("sent", "skipped") for _tid, _event, status, _a in rows)
            ),
            timeout=180,
            what="every notification sent",
        )
        notifications_done = time.monotonic() - killed_at

        # Each referral made one report at the receiver: nothing lost, nothing applied twice.
        assert federation.received(deployment, "pemda_32", tids) == {tid: 1 for tid in tids}
        # Each notification was sent once: one attempt, one e-mail in the mail that left.
        rows = _notifications(deployment, tids)
        assert {r[0] for r in rows if r[1] == "submitted"} == set(tids)
        assert [r for r in rows if r[2] == "sent" and r[3] != 1] == []
        mails = _mails(deployment)
        assert {tid: mails.count(f"Subject: Laporan {tid} diterima") for tid in tids} == {tid: 1 for tid in tids}

        # A message no worker can run is moved to the dead-letter queue, not dropped or retried forever.
        subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); from lapor.celery import app;"
             " app.send_task('lapor.tests.no_such_task', headers={'_schema_name': 'public'})"],
            env=deployment.env, cwd=REPO, check=True,
        )  # fmt: skip
        wait_for(lambda: _messages(cluster, survivor, f"{QUEUE}.dead") >= 1, timeout=60, what="the dead letter")
        # ...and the hub's /metrics says so (lapor.broker.BrokerDeadLetterCollector), for the alert rule.
        status, text = deployment.call("GET", "/metrics", host="localhost")
        assert status == 200
        assert f'lapor_broker_dead_letters{{queue="{QUEUE}"}} 1.0' in text
        print(
            f"\nkilled {leader} (leader of {QUEUE!r}); new leader {new_leader};"
            f" {len(tids)} referrals applied once each {referrals_done:.1f} s after the kill;"
            f" {len(rows)} notifications sent once each {notifications_done:.1f} s after it;"
            f" dead letters: {_messages(cluster, survivor, f'{QUEUE}.dead')}"
        )
    finally:
        for proc in (worker, sweeper, beat):
            deployment.stop(proc)


def _messages(cluster: RabbitCluster, via: Any, queue: str) -> int:
    out = via.ctl("list_queues", "-q", "--no-table-headers", "name", "messages")
    for line in out.splitlines():
        name, _, count = line.partition("\t")
        if name == queue:
            return int(count)
    return 0


def test_a_classic_queue_left_by_an_older_release_is_named_not_silently_kept(
    cluster: RabbitCluster, deployment: Deployment
) -> None:
    from kombu import Connection, Queue

    legacy = f"legacy-{uuid.uuid4().hex[:6]}"
    node = next(n for n in cluster.nodes if n.process is not None)  # the first test killed one
    with Connection(node.url) as conn:
        Queue(legacy, routing_key=legacy, durable=True).bind(conn.default_channel).declare()
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "broker_prepare", legacy],
        env=deployment.env, cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0
    assert legacy in done.stderr and "rabbitmqctl delete_queue" in done.stderr
    # Deleted as the message says, it is declared again as a quorum queue with its dead-letter queue.
    node.ctl("delete_queue", legacy)
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "broker_prepare", legacy],
        env=deployment.env, cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = node.ctl("list_queues", "-q", "--no-table-headers", "name", "type")
    types = dict(line.split("\t")[:2] for line in out.splitlines() if "\t" in line)
    assert types[legacy] == "quorum" and types[f"{legacy}.dead"] == "quorum"
