"""/healthz and /readyz, including a database that stops under a running server."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from django.test import Client

from deploy.embedded_pg import EmbeddedPostgres
from tests.helpers import BIN, REPO, free_port, process_env


def test_healthz_answers_on_any_host_without_the_database() -> None:
    response = Client().get("/healthz", HTTP_HOST="tidakada.localhost")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(db: None) -> None:
    response = Client().get("/readyz", HTTP_HOST="localhost")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def _get(url: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def throwaway_postgres() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(
        pgdata=REPO / "var" / f"test-pg-{uuid.uuid4().hex[:8]}", port=free_port(), fast_unsafe=True
    )
    server.start()
    conn = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute("CREATE DATABASE lapor")
    conn.close()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.pgdata, ignore_errors=True)


@pytest.mark.slow
def test_readyz_reports_a_stopped_database(throwaway_postgres: EmbeddedPostgres) -> None:
    port = free_port()
    env = process_env(DATABASE_URL=throwaway_postgres.url)
    env.pop("CELERY_BROKER_URL", None)
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "lapor.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=REPO,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        for _ in range(100):
            try:
                status, body = _get(url)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, body

        throwaway_postgres.stop()
        status, body = _get(url)
        assert status == 503
        assert "database" in body["failed"]
        assert body["checks"]["database"]["ok"] is False
        assert body["checks"]["database"]["error"]
    finally:
        web.terminate()
        web.wait(timeout=30)
