"""Real deployments for the fault and federation tests: own database, gunicorn, workers, sweepers.

`python -m tests.sync.federation SETUP_JSON` prepares one deployment's database (run with its
DATABASE_URL); the rest are helpers the tests use to drive it over HTTP and read its database.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg2

from tests.helpers import BIN, REPO, celery_worker_command, free_port

KEY_ID = "fed-key-1"
SECRET = "rahasia-bersama-federasi-uji"


def setup(spec: dict[str, Any]) -> None:
    """Inside one deployment: Pemda, categories, officers, peers (idempotent), and the broker's queues
    unless `spec["broker"]` is false (a deployment set up while its broker is meant to be down)."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role
    from agencies.services import unit_ensure
    from complaints.seed import categories_seed
    from lapor.celery import broker_prepare
    from sync.models import Peer
    from sync.signing import peer_key_issue
    from tenants.models import Pemda
    from tenants.pilot import JAKARTA
    from tenants.services import hub_ensure, pemda_create
    from tests.conftest import BEKASI, JABAR

    if spec.get("broker", True):
        broker_prepare()
    specs = {"31": JAKARTA, "32": JABAR, "32.75": BEKASI}
    hub_ensure()
    for code in spec["pemda"]:
        pemda = pemda_create(spec=specs[code])
        with tenant_context(pemda):
            categories_seed(pemda)
            unit = unit_ensure(code="DBM", name="Dinas Bina Marga", kind="dinas")
        for username, role, unit_id in (("verif", Role.VERIFIKATOR, None), ("petugas", Role.UNIT_OFFICER, unit.pk)):
            name = f"{username}{code.replace('.', '')}"
            user = User.objects.filter(username=name).first() or User.objects.create_user(
                name, password="sandi-uji-123"
            )
            Membership.objects.get_or_create(user=user, tenant=pemda, role=role, unit_id=unit_id)
    assert Pemda.objects.count() == len(spec["pemda"]) + 1
    for code, url in spec.get("peers", {}).items():
        peer, _ = Peer.objects.update_or_create(code=code, defaults={"name": code, "inbox_url": url})
        if not peer.keys.exists():
            peer_key_issue(peer=peer, key_id=KEY_ID, secret=SECRET)


@dataclass
class Deployment:
    name: str
    database_url: str
    env: dict[str, str]
    port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = psycopg2.connect(self.database_url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall())
        finally:
            conn.close()

    def spawn(self, *args: str, **extra_env: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(args), env={**self.env, **extra_env}, cwd=REPO, start_new_session=True)
        self.processes.append(proc)
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, str(REPO / "manage.py"), *args], env=self.env, cwd=REPO, check=True)

    def sweeper(self) -> subprocess.Popen[bytes]:
        return self.spawn(sys.executable, str(REPO / "manage.py"), "sync_sweeper", "--interval", "0.2")

    def worker(self, **extra_env: str) -> subprocess.Popen[bytes]:
        return self.spawn(*celery_worker_command("-n", f"{self.name}-{uuid.uuid4().hex[:6]}@%h"), **extra_env)

    def web(self) -> subprocess.Popen[bytes]:
        proc = self.spawn(
            str(BIN / "gunicorn"), "lapor.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
            "--log-level", "warning",
        )  # fmt: skip
        wait_for(lambda: _up(self.port), timeout=60, what=f"gunicorn of {self.name}")
        return proc

    def call(self, method: str, path: str, *, host: str, body: Any = None, user: str | None = None) -> tuple[int, Any]:
        headers = {"Host": host, "Content-Type": "application/json"}
        if user:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:sandi-uji-123".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self.processes:
            self.processes.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.processes):
            self.stop(proc)


def _up(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class FlakyProxy:
    """An HTTP hop in front of a peer that misbehaves on demand, then forwards.

    Each POST takes the next behaviour from `script` ("drop": close without answering, "500",
    "hang": forward, let the peer apply it, then hold the answer back), else "pass".
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.script: list[str] = []
        self.seen: list[str] = []
        self.hang_seconds = 120.0
        self.port = free_port()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with proxy.lock:
                    behaviour = proxy.script.pop(0) if proxy.script else "pass"
                    proxy.seen.append(behaviour)
                if behaviour == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if behaviour == "500":
                    self.send_response(500)
                    self.send_header("Content-Length", "13")
                    self.end_headers()
                    self.wfile.write(b"server error!")
                    return
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                conn.close()
                if behaviour == "hang":
                    time.sleep(proxy.hang_seconds)
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        # The hub answers on its host name ("localhost" here), not on a bare IP.
        return f"http://localhost:{self.port}/sync/v1/inbox/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running(deployment: Deployment) -> Iterator[Deployment]:
    try:
        yield deployment
    finally:
        deployment.stop_all()


if __name__ == "__main__":
    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    setup(json.loads(sys.argv[1]))
