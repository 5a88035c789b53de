"""PostgreSQL servers of the high-availability tests: Debian's PostgreSQL 15 binaries, run from
temporary directories on loopback ports of their own, as an unprivileged user when the tests run
as root (PostgreSQL refuses to run as root). Patroni and etcd come from Debian's `patroni` and
`etcd-server`.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from tests.helpers import BIN, REPO, celery_worker_command, process_env

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PATRONI = Path("/usr/bin/patroni")
ETCD = Path("/usr/bin/etcd")
# The account servers run as when the tests run as root: Debian's postgresql packages create it.
SERVICE_USER = "postgres"


def binaries_or_skip(paths: list[Path], packages: str, require: str) -> None:
    """Skip where a binary is missing, unless CI demands it (LAPOR_REQUIRE_<require>=1 in .ci/run)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        message = f"{', '.join(missing)} missing (Debian's {packages}; .ci/run installs them)"
        if os.environ.get(f"LAPOR_REQUIRE_{require}") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _demote() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(SERVICE_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary directory the servers' account owns, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVICE_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the servers' account; its output is in the error when it fails."""
    kwargs.setdefault("cwd", "/")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **_demote(), **kwargs)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def popen(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd="/", **_demote()
        )


def server_options(port: int, socket_dir: Path, *extra: str) -> str:
    options = [
        "-c listen_addresses=127.0.0.1",
        f"-c port={port}",
        f"-c unix_socket_directories={socket_dir}",
        "-c max_connections=100",
        "-c fsync=off",  # a killed process loses nothing the kernel holds; no machine loses power here
        "-c wal_level=replica",
        "-c max_wal_senders=10",
        "-c hot_standby=on",
        *extra,
    ]
    return " ".join(options)


def initdb(pgdata: Path) -> None:
    run([str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])


def pg_ctl_start(pgdata: Path, options: str) -> None:
    run(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(pgdata),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(pgdata / "server.log"),
            "start",
        ]
    )


def pg_ctl_stop(pgdata: Path, mode: str = "fast") -> None:
    if (pgdata / "postmaster.pid").exists():
        subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(pgdata), "-w", "-t", "30", "-m", mode, "stop"],
            capture_output=True,
            timeout=60,
            check=False,
            cwd="/",
            **_demote(),
        )


def connect(port: int, dbname: str = "postgres") -> Any:
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname, connect_timeout=5)
    conn.autocommit = True
    return conn


def query(port: int, sql: str, params: Any = None, dbname: str = "postgres") -> list[tuple[Any, ...]]:
    conn = connect(port, dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def kill_postmaster(pgdata: Path) -> None:
    """SIGKILL the postmaster of `pgdata` and every process it started (as losing the machine)."""
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    for victim in [pid, *children]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def app_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = process_env(
        DATABASE_URL=database_url,
        LAPOR_VAR_DIR=str(var_dir),
        LAPOR_LOG_LEVEL="WARNING",
        CELERY_TASK_DEFAULT_QUEUE=f"ha-{os.getpid()}",
    )
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return proc.stdout


def app_prepare(env: dict[str, str], var_dir: Path) -> None:
    """Migrate the platform and seed the hub and the pilot Pemda (Jakarta), as `make run` does."""
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
    manage(env, "seed_pilot", "--credentials-file", str(var_dir / "admin.txt"))
    manage(env, "broker_prepare")


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, *, workers: int = 1, threads: int = 1, log: Path | None = None
) -> Iterator[None]:
    """gunicorn serving the platform; its output goes to `log` when given."""
    out = log.open("ab") if log is not None else None
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "lapor.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT if out is not None else None,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body = http_get(port, "/healthz", "localhost")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out is not None:
            out.close()


def http_get(port: int, path: str, host: str, timeout: float = 30, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, **({"Cookie": cookie} if cookie else {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def http_post_json(
    port: int, path: str, host: str, payload: dict[str, Any], headers: dict[str, str], timeout: float = 30
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(payload),
            headers={"Host": host, "Content-Type": "application/json", **headers},
        )
        response = conn.getresponse()
        body = response.read()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {"raw": body[:200].decode(errors="replace")}
        return response.status, data
    finally:
        conn.close()


@contextmanager
def celery_worker(env: dict[str, str], schedule: Path, log: Path) -> Iterator[None]:
    """A Celery worker with its beat (the sync sweep) on the test's queue; its output goes to `log`."""
    out = log.open("ab")
    proc = subprocess.Popen(
        celery_worker_command("--beat", "--schedule", str(schedule), queue=env["CELERY_TASK_DEFAULT_QUEUE"]),
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


def sign_in(port: int, host: str, username: str, password: str, *, code: str) -> str:
    """Sign in through /masuk/ and its second step (/masuk/verifikasi/, the authenticator's `code`) as a
    browser does; returns the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/masuk/", headers={"Host": host})
        response = conn.getresponse()
        page = response.read().decode()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, page[:500]
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": "/konsol/"}
        )
        conn.request(
            "POST",
            "/masuk/",
            body=form,
            headers={
                "Host": host,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken'].value}",
            },
        )
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        assert response.status == 302 and "sessionid" in cookies, (response.status, list(cookies))
        jar = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "code": code})
        conn.request(
            "POST",
            "/masuk/verifikasi/",
            body=form,
            headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded", "Cookie": jar},
        )
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        assert response.status == 302, ("code refused", response.status)
        return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    finally:
        conn.close()
