"""A three-member PostgreSQL cluster under Patroni with one etcd, on loopback, for the failover test.

Every member is Debian's PostgreSQL 15 run by Debian's `patroni` (as the servers' account when
the tests run as root), with Patroni's `synchronous_mode`: a commit returns only once a standby
holds it, so whatever the platform acknowledged survives the loss of the primary. The leader key
lives `TTL` seconds in etcd: losing the leader's machine costs about that long before a standby
is promoted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ha import postgres as pg
from tests.helpers import free_port

SCOPE = "lapor-uji"
TTL, LOOP_WAIT, RETRY_TIMEOUT = 10, 1, 3


@dataclass
class Member:
    name: str
    pg_port: int
    api_port: int
    data_dir: Path
    config: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def api(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}{path}", timeout=2) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def kill(self) -> None:
        """Lose this member's machine: Patroni and its PostgreSQL die at once, nothing shuts down cleanly."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if (self.data_dir / "postmaster.pid").exists():
            pg.kill_postmaster(self.data_dir)


@dataclass
class Cluster:
    work: Path
    members: list[Member] = field(default_factory=list)
    etcd: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        """libpq's multi-host target: whichever member accepts writes (docs/ha.md)."""
        hosts = ",".join("127.0.0.1" for _ in self.members)
        ports = ",".join(str(m.pg_port) for m in self.members)
        return f"postgres://postgres@/lapor?host={hosts}&port={ports}&target_session_attrs=read-write"

    def roles(self) -> dict[str, str]:
        for member in self.members:
            if member.proc is None or member.proc.poll() is not None:
                continue
            try:
                status, body = member.api("/cluster")
            except OSError:
                continue
            if status == 200 and body:
                # Patroni 3.0 says "running" of a standby that later versions call "streaming".
                return {
                    m["name"]: m["role"] if m["state"] in ("running", "streaming") else f"{m['role']}/{m['state']}"
                    for m in body["members"]
                }
        return {}

    def leader(self) -> Member:
        roles = self.roles()
        for member in self.members:
            if roles.get(member.name) == "leader":
                return member
        raise LookupError(f"no leader: {roles}")

    def wait_healthy(self, alive: int, timeout: float) -> dict[str, str]:
        """Until one leader runs and the other live members stream, one of them synchronously."""
        deadline = time.monotonic() + timeout
        roles: dict[str, str] = {}
        while time.monotonic() < deadline:
            roles = self.roles()
            running = sorted(roles.values())
            if (
                len(running) == alive
                and running.count("leader") == 1
                and "sync_standby" in running
                and all(r in ("leader", "sync_standby", "replica") for r in running)
            ):
                return roles
            time.sleep(0.5)
        logs = "\n".join(f"--- {m.name}\n{m.log.read_text(errors='replace')[-1500:]}" for m in self.members)
        raise AssertionError(f"cluster not healthy within {timeout} s: {roles}\n{logs}")

    def stop(self) -> None:
        for member in self.members:
            if member.proc is not None and member.proc.poll() is None:
                member.proc.terminate()
        for member in self.members:
            if member.proc is not None:
                try:
                    member.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    member.proc.kill()
                    member.proc.wait()
            pg.pg_ctl_stop(member.data_dir, "immediate")
        if self.etcd is not None and self.etcd.poll() is None:
            self.etcd.terminate()
            try:
                self.etcd.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.etcd.kill()
                self.etcd.wait()


def _config(member: Member, *, etcd_port: int, socket_dir: Path) -> str:
    config = {
        "scope": SCOPE,
        "name": member.name,
        "log": {"level": "WARNING"},
        "restapi": {"listen": f"127.0.0.1:{member.api_port}", "connect_address": f"127.0.0.1:{member.api_port}"},
        "etcd3": {"hosts": [f"127.0.0.1:{etcd_port}"]},
        "bootstrap": {
            "dcs": {
                "ttl": TTL,
                "loop_wait": LOOP_WAIT,
                "retry_timeout": RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1048576,
                # A commit waits for a standby: no report answered 201 is lost with the primary.
                "synchronous_mode": True,
                "postgresql": {
                    "use_pg_rewind": False,
                    "parameters": {
                        "max_connections": 100,
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "wal_level": "replica",
                        "hot_standby": "on",
                        "fsync": "off",  # processes are killed here, never the machine's power
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, {"auth": "trust"}],
            "pg_hba": ["host replication postgres 127.0.0.1/32 trust", "host all all 127.0.0.1/32 trust"],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{member.pg_port}",
            "connect_address": f"127.0.0.1:{member.pg_port}",
            "data_dir": str(member.data_dir),
            "bin_dir": str(pg.PG_BIN),
            "pgpass": str(member.config.parent / f"pgpass-{member.name}"),
            "authentication": {"superuser": {"username": "postgres"}, "replication": {"username": "postgres"}},
            "parameters": {"unix_socket_directories": str(socket_dir)},
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }
    return json.dumps(config, indent=1)  # JSON is YAML


@contextmanager
def cluster(work: Path, size: int = 3) -> Iterator[Cluster]:
    etcd_port, peer_port = free_port(), free_port()
    result = Cluster(work=work)
    try:
        result.etcd = pg.popen(
            [
                str(pg.ETCD),
                "--name=etcd-uji",
                f"--data-dir={work / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=etcd-uji=http://127.0.0.1:{peer_port}",
                "--log-level=warn",
            ],
            work / "etcd.log",
        )
        _wait_http(f"http://127.0.0.1:{etcd_port}/health", 30, "etcd", work / "etcd.log")
        for i in range(1, size + 1):
            name = f"pg{i}"
            member = Member(
                name=name,
                pg_port=free_port(),
                api_port=free_port(),
                data_dir=work / name,
                config=work / f"{name}.yml",
                log=work / f"{name}.log",
            )
            member.config.write_text(_config(member, etcd_port=etcd_port, socket_dir=work))
            result.members.append(member)
        for i, member in enumerate(result.members):
            member.proc = pg.popen([str(pg.PATRONI), str(member.config)], member.log)
            if i == 0:  # the first bootstraps the cluster; the others clone from it
                deadline = time.monotonic() + 60
                while result.roles().get(member.name) != "leader":
                    if time.monotonic() > deadline or member.proc.poll() is not None:
                        raise AssertionError(
                            f"no leader after bootstrap:\n{member.log.read_text(errors='replace')[-3000:]}"
                        )
                    time.sleep(0.3)
        yield result
    finally:
        result.stop()


def _wait_http(url: str, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not start:\n{log.read_text(errors='replace')[-2000:]}")
