"""RabbitMQ itself stopped and restarted while referrals are made: every one lands exactly once.

The test starts a RabbitMQ node of its own (own node name, ports and data directory under var/)
from the machine's `rabbitmq-server`, so stopping it disturbs no other run; the deployment's
gunicorn, worker and sync sweeper use it as their broker. Skipped where RabbitMQ is not installed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.bench.common import drop_database
from tests.helpers import REPO, database_url, free_port
from tests.sync.test_federation import Federation, _deployment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.broker,
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("rabbitmq-server") is None, reason="rabbitmq-server is not installed"),
]


class RabbitNode:
    """One RabbitMQ node on loopback, started and stopped by the test (data kept across restarts)."""

    def __init__(self) -> None:
        self.name = f"lapor{uuid.uuid4().hex[:6]}"
        self.port = free_port()
        self.dist_port = free_port()
        self.base = REPO / "var" / f"test-{self.name}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # rabbitmq-server drops to the rabbitmq user, which must own its directories.
            entry = pwd.getpwnam("rabbitmq")
            for path in [self.base, *self.base.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        env = dict(os.environ)
        env.update(
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_PID_FILE=str(self.base / "pid"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"),
        )
        self.process = subprocess.Popen(
            ["rabbitmq-server"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError(f"RabbitMQ node {self.name} did not start (see {self.base / 'log'})")

    def stop(self) -> None:
        """Stop the broker itself. rabbitmq-server drops privileges through su, so terminating
        the process we started would orphan the Erlang VM, still serving; the VM's pid file
        names the process to stop."""
        pid_file = self.base / "pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.2)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            pid_file.unlink(missing_ok=True)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        self.process = None

    def accepts_connections(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


@pytest.fixture(scope="module")
def rabbit() -> Iterator[RabbitNode]:
    node = RabbitNode()
    node.start()
    try:
        yield node
    finally:
        node.stop()
        shutil.rmtree(node.base, ignore_errors=True)


@pytest.fixture(scope="module")
def deployment(django_db_setup: Any, django_db_blocker: Any, rabbit: RabbitNode) -> Iterator[Any]:
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
    d = _deployment("rmq", base, "hub-rmq", rabbit.url, {"pemda": ["31", "32"]})
    try:
        d.web()
        yield d
    finally:
        d.stop_all()
        drop_database(base, "lapor_test_fed_rmq")


def test_rabbitmq_stopped_and_restarted_while_referrals_are_made(deployment: Any, rabbit: RabbitNode) -> None:
    federation = Federation(deployment, deployment, proxy=None, broker=None)  # type: ignore[arg-type]
    tids = [federation.submit(title=f"Gorong-gorong ambrol di Jawa Barat {i}")["tracking_id"] for i in range(9)]
    worker, sweeper = deployment.worker(), deployment.sweeper()
    try:
        for tid in tids[:3]:
            assert federation.refer(tid, target_code="32") == 200
        rabbit.stop()
        assert not rabbit.accepts_connections(), "the broker must really be down for this part"
        for tid in tids[3:6]:
            # The broker is gone: the referral still commits, and the API still answers.
            assert federation.refer(tid, target_code="32") == 200
        rabbit.start()
        for tid in tids[6:]:
            assert federation.refer(tid, target_code="32") == 200
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(federation.received(deployment, "pemda_32", tids)) < len(tids):
            time.sleep(0.5)
        # Every committed referral took effect exactly once at its receiver...
        assert federation.received(deployment, "pemda_32", tids) == {tid: 1 for tid in tids}
        # ...and the origin learns where each one went.
        deadline = time.monotonic() + 60
        known: list[tuple[Any, ...]] = []
        while time.monotonic() < deadline:
            known = deployment.query(
                "SELECT count(*) FROM pemda_31.complaints_referrallink"
                " WHERE role = 'origin' AND applied_version >= 1"
                " AND tracking_id = ANY(%s)",
                (tids,),
            )
            if known == [(len(tids),)]:
                break
            time.sleep(0.5)
        assert known == [(len(tids),)]
    finally:
        if rabbit.process is None:
            rabbit.start()
        deployment.stop(worker)
        deployment.stop(sweeper)
