"""A RabbitMQ cluster of three nodes on loopback, from Debian's rabbitmq-server, for the tests.

Each node has its own node name (`rmqN<run>@localhost`), AMQP port, Erlang distribution port,
data and log directories under a temporary directory, and all share an Erlang cookie of their
own (a `.erlang.cookie` in the directory that is their HOME), so the machine's own RabbitMQ (the
system service on 5672, with its own cookie) is neither joined nor disturbed. As root the nodes
run as the `rabbitmq` user (setpriv keeps the environment); otherwise as the current user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import free_port

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


def rabbitmq_or_skip() -> None:
    """Skip where RabbitMQ is absent, unless CI demands it (LAPOR_REQUIRE_RABBITMQ=1 in .ci/run)."""
    if shutil.which("rabbitmq-server") is None or not (RABBIT_BIN / "rabbitmq-server").exists():
        message = "rabbitmq-server missing (Debian's rabbitmq-server; .ci/run installs it)"
        if os.environ.get("LAPOR_REQUIRE_RABBITMQ") == "1":
            pytest.fail(message)
        pytest.skip(message)


class ClusterNode:
    def __init__(self, cluster: RabbitCluster, index: int) -> None:
        self.cluster = cluster
        self.name = f"rmq{index}{cluster.run}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.base = cluster.home / f"node{index}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HOME=str(self.cluster.home),
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_PID_FILE=str(self.base / "pid"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.base / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
        )
        return env

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.cluster.own(self.base)
        self.process = subprocess.Popen(
            [*self.cluster.as_user, str(RABBIT_BIN / "rabbitmq-server")],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.accepts_connections():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError(f"RabbitMQ node {self.name} did not start (see {self.base / 'log'})")

    def ctl(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [*self.cluster.as_user, str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.name}: {done.stderr or done.stdout}")
        return done.stdout

    def kill(self) -> None:
        """The node dies at once (SIGKILL to its Erlang VM): no goodbye to clients or peers."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def accepts_connections(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


class RabbitCluster:
    def __init__(self, size: int = 3) -> None:
        self.run = uuid.uuid4().hex[:6]
        self.home = Path(tempfile.mkdtemp(prefix="lapor-rmq-"))
        self.as_user: list[str] = []
        self.owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            entry = pwd.getpwnam("rabbitmq")
            self.owner = (entry.pw_uid, entry.pw_gid)
            self.as_user = ["setpriv", "--reuid=rabbitmq", "--regid=rabbitmq", "--init-groups", "--"]
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)
        self.own(self.home)
        self.own(cookie)
        self.nodes = [ClusterNode(self, i + 1) for i in range(size)]

    def own(self, path: Path) -> None:
        if self.owner is not None:
            os.chown(path, *self.owner)

    @property
    def urls(self) -> str:
        """The broker URL list a client fails over along (kombu tries them in turn)."""
        return ";".join(node.url for node in self.nodes)

    def start(self) -> None:
        first, *others = self.nodes
        first.start()
        for node in others:
            node.start()
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")
        first.ctl("await_online_nodes", str(len(self.nodes)))

    def running_nodes(self, via: ClusterNode) -> list[str]:
        out = via.ctl("eval", "lists:sort([atom_to_list(N) || N <- rabbit_nodes:all_running()]).")
        return [part.strip().strip('"[]') for part in out.strip().strip("[]").split(",") if part.strip()]

    def queue_members(self, queue: str, via: ClusterNode) -> tuple[str, list[str]]:
        """The queue's leader node and its members (quorum queues only)."""
        out = via.ctl("list_queues", "-q", "--no-table-headers", "name", "leader", "members")
        for line in out.splitlines():
            fields = line.split("\t")
            if fields and fields[0] == queue:
                members = [m.strip().strip("[]") for m in fields[2].split(",")] if len(fields) > 2 else []
                return fields[1], members
        raise LookupError(f"queue {queue} not found via {via.name}")

    def node(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.home, ignore_errors=True)
