"""Helpers for tests that start real processes (workers, servers, databases)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def celery_worker_command(*extra: str, queue: str | None = None, level: str = "warning") -> list[str]:
    """`celery worker` as the tests start it: one prefork child, no gossip, mingle or heartbeat
    (each worker of a test is alone on its queue), consuming `queue` when given."""
    return [
        str(BIN / "celery"), "-A", "lapor", "worker", "--concurrency", "1", "-l", level,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        *(["-Q", queue] if queue else []), *extra,
    ]  # fmt: skip


def process_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "platform"), str(REPO)])
    env["DJANGO_SETTINGS_MODULE"] = "lapor.settings"
    # Servers started by tests take every filing from 127.0.0.1: limits high, not off (still counted).
    env["LAPOR_INTAKE_RATE_PER_ADDRESS"] = "1000/min"
    env["LAPOR_INTAKE_RATE_PER_PHONE"] = "1000/min"
    # Officers' Basic credentials (the API tests' and benchmarks' calls) carry no second factor and
    # are refused for staff unless allowed (tests/conftest.py); two-factor sign-in stays required.
    env["LAPOR_API_BASIC_AUTH"] = "1"
    env.update(overrides)
    return env
