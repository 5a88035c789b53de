"""Shared pieces of the benchmarks: a fresh database, servers as real processes, an HTTP load loop."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The password the benches give the officers they create.
OFFICER_PASSWORD = "sandi-bench-123"


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create `name` on the server of `base_url`; returns its URL."""
    parts = urllib.parse.urlsplit(base_url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(base_url: str, name: str) -> None:
    parts = urllib.parse.urlsplit(base_url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "platform"), str(REPO)])
    env["DATABASE_URL"] = database_url
    env.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
    env["LAPOR_LOG_LEVEL"] = "WARNING"
    # All of a benchmark's load comes from one address: the intake rate limits would measure themselves.
    env["LAPOR_INTAKE_RATE_PER_ADDRESS"] = "off"
    env["LAPOR_INTAKE_RATE_PER_PHONE"] = "off"
    # Officers' API calls by Basic credentials (no second factor; refused for staff by default).
    env["LAPOR_API_BASIC_AUTH"] = "1"
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args], env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL
    )


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], workers: int) -> Iterator[None]:
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _worker(args: tuple[int, str, str, bytes, int, float]) -> tuple[int, int, list[float]]:
    port, host, path, body, threads, seconds = args
    done, errors, latencies = [0], [0], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body=body, headers={"Host": host, "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 201
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    done[0] += 1
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return done[0], errors[0], latencies


def post_load(
    *, port: int, host: str, path: str, payload: dict[str, object], concurrency: int, seconds: float, processes: int = 2
) -> LoadResult:
    """POST the payload from `concurrency` threads spread over `processes` client processes."""
    body = json.dumps(payload).encode()
    per = max(1, concurrency // processes)
    started = time.monotonic()
    with Pool(processes) as pool:
        parts = pool.map(_worker, [(port, host, path, body, per, seconds)] * processes)
    result = LoadResult(seconds=time.monotonic() - started)
    for done, errors, latencies in parts:
        result.requests += done
        result.errors += errors
        result.latencies_ms.extend(latencies)
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Session:
    """An HTTP client on one host that keeps cookies (a signed-in officer)."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}{path}"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text


def sign_in(port: int, host: str, username: str, password: str = OFFICER_PASSWORD) -> Session:
    """An officer signed in through /masuk/ as a browser does (the benches' one way in)."""
    session = Session(port, host)
    _status, page = session.request("GET", "/masuk/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no login form"
    status, _body = session.request(
        "POST", "/masuk/", {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    )
    assert status == 302, f"login failed: {status}"
    # The second step: the code of the user's authenticator (enrolled with the tests' known key).
    from tests.two_factor import KNOWN_KEY, code_for

    status, _body = session.request(
        "POST", "/masuk/verifikasi/", {"csrfmiddlewaretoken": token.group(1), "code": code_for(KNOWN_KEY)}
    )
    assert status == 302, f"code refused: {status}"
    return session
