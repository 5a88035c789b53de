"""Bad configuration stops start-up with a message naming the variable; dead services fail fast."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection

from tests.helpers import REPO, database_url, free_port, process_env


def _manage_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env=process_env(**env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@127.0.0.1/lapor"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:notaport/lapor"),
        ("CELERY_BROKER_URL", "kafka://127.0.0.1:9092"),
        ("LAPOR_DB_CONNECT_TIMEOUT", "lima"),
        ("DJANGO_DEBUG", "maybe"),
        ("LAPOR_EMBEDDED_PG_PORT", "70000"),
    ],
)
def test_malformed_variable_is_named(variable: str, value: str) -> None:
    result = _manage_check(**{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


def _runner(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.local", "run"],
        env=process_env(**env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_unreachable_database_fails_with_a_clear_error() -> None:
    result = _runner(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/lapor")
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr


@pytest.mark.slow
def test_unreachable_broker_fails_with_a_clear_error(db: None) -> None:
    result = _runner(
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}//",
    )
    assert result.returncode == 2
    assert "cannot reach the Celery broker (CELERY_BROKER_URL)" in result.stderr
    assert "guest:guest" not in result.stderr  # credentials are redacted
