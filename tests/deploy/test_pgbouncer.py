"""PgBouncer in session mode in front of the machine's PostgreSQL; transaction mode refused at start.

Each test starts Debian's pgbouncer on a free loopback port with a pool of one server connection
for the test database (tests/deploy/servers.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agencies.services import unit_ensure
from tests.deploy.servers import Bouncer, pgbouncer
from tests.helpers import BIN, REPO, free_port, process_env

pytestmark = pytest.mark.slow

ALTERNATIONS = 10_000


@pytest.fixture
def pool_markers(committed: None, tenants_registry: dict[str, Any]) -> dict[str, str]:
    """One unit per Pemda whose code names its owner: POOL-JAKARTA in jakarta, POOL-BEKASI in bekasi."""
    schemas = {}
    for slug in ("jakarta", "bekasi"):
        with tenant_context(tenants_registry[slug]):
            unit_ensure(code=f"POOL-{slug.upper()}", name=f"Penanda pool {slug}", kind="dinas")
        schemas[slug] = tenants_registry[slug].schema_name
    connection.close()  # the pool's one server connection is for the sessions under test
    return schemas


def _bouncer(pool_mode: str) -> Any:
    db = connection.settings_dict
    return pgbouncer(
        database=db["NAME"], pg_host=db["HOST"] or "127.0.0.1", pg_port=int(db["PORT"] or 5432), pool_mode=pool_mode
    )


def _env(bouncer: Bouncer) -> dict[str, str]:
    return process_env(DATABASE_URL=bouncer.url(), DB_CONN_MAX_AGE="0", LAPOR_DB_POOLER="pgbouncer-session")


def test_two_pemda_alternating_over_one_pooled_connection_never_see_each_other(pool_markers: dict[str, str]) -> None:
    with _bouncer("session") as bouncer:
        result = subprocess.run(
            [sys.executable, "-m", "tests.deploy.alternate", str(ALTERNATIONS), "jakarta", "bekasi"],
            env=_env(bouncer),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"pgbouncer session mode, pool size 1: {figures['sessions']} sessions alternating jakarta/bekasi, "
        f"{figures['mismatches']} mismatches, {figures['server_backends']} server connection(s)"
    )
    assert figures["sessions"] == ALTERNATIONS
    assert figures["mismatches"] == 0
    assert figures["server_backends"] == 1  # every session went over the one pooled server connection
    assert figures["last_seen"] == {"jakarta": ["POOL-JAKARTA"], "bekasi": ["POOL-BEKASI"]}


def test_transaction_mode_would_mix_pemda(pool_markers: dict[str, str]) -> None:
    """Why it is refused: two clients on one server connection, each SET search_path, then read."""
    with _bouncer("transaction") as bouncer:
        a = psycopg2.connect(bouncer.url().replace("postgres://", "postgresql://"))
        b = psycopg2.connect(bouncer.url().replace("postgres://", "postgresql://"))
        a.autocommit = b.autocommit = True
        try:
            with a.cursor() as ca, b.cursor() as cb:
                ca.execute(f'SET search_path TO "{pool_markers["jakarta"]}", public')
                cb.execute(f'SET search_path TO "{pool_markers["bekasi"]}", public')
                ca.execute("SELECT code FROM agencies_unit WHERE code LIKE 'POOL-%%'")
                seen_by_jakarta = [row[0] for row in ca.fetchall()]
        finally:
            a.close()
            b.close()
    assert seen_by_jakarta == ["POOL-BEKASI"]


@pytest.mark.parametrize("mode", ["transaction", "statement"])
def test_manage_check_refuses_a_pooler_not_in_session_mode(mode: str, pool_markers: dict[str, str]) -> None:
    with _bouncer(mode) as bouncer:
        result = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "check", "--database", "default"],
            env=_env(bouncer),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert f"pool_mode={mode}" in result.stderr
    assert "lapor.E001" in result.stderr


def test_manage_check_accepts_session_mode(pool_markers: dict[str, str]) -> None:
    with _bouncer("session") as bouncer:
        result = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "check", "--database", "default"],
            env=_env(bouncer),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr


def test_no_process_starts_behind_transaction_mode(pool_markers: dict[str, str], tmp_path: Path) -> None:
    with _bouncer("transaction") as bouncer:
        env = _env(bouncer)
        web = subprocess.run(
            [str(BIN / "gunicorn"), "lapor.wsgi", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        beat = subprocess.run(
            [str(BIN / "celery"), "-A", "lapor", "beat", "-s", str(tmp_path / "beat-schedule")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        worker = subprocess.run(
            [
                str(BIN / "celery"),
                "-A",
                "lapor",
                "worker",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        sweeper = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "sync_sweeper", "--once"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    for started in (web, beat, worker, sweeper):
        assert started.returncode != 0, started.args
        assert "pool_mode=transaction" in started.stderr + started.stdout, started.args


def test_unreachable_admin_console_is_refused_too(pool_markers: dict[str, str]) -> None:
    with _bouncer("session") as bouncer:
        env = {**_env(bouncer), "LAPOR_DB_POOLER_ADMIN_URL": f"postgres://postgres@127.0.0.1:{free_port()}/pgbouncer"}
        result = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "check", "--database", "default"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert "could not be asked for the pool mode" in result.stderr
