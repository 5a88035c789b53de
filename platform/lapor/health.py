"""`/healthz` (process up) and `/readyz` (database and broker reachable; the read replica's lag).

Answered by a middleware placed before tenant selection: a probe must work on any host and
must not need the database to find out which tenant the host belongs to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from lapor import replica
from lapor.env import redact_url


def check_database() -> dict[str, Any]:
    conn = connections["default"]
    started = time.monotonic()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        conn.close()
        return {"ok": False, "error": _first_line(exc)}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_broker() -> dict[str, Any]:
    from kombu import Connection

    started = time.monotonic()
    timeout = settings.CELERY_BROKER_CONNECT_TIMEOUT
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
            broker.ensure_connection(max_retries=1, timeout=timeout)
            # The SQLAlchemy transport connects lazily: open a channel so the database is touched.
            broker.default_channel  # noqa: B018
    except Exception as exc:
        return {"ok": False, "error": _first_line(exc), "url": redact_url(settings.CELERY_BROKER_URL)}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def worker_heartbeat_age() -> float | None:
    from django.utils import timezone

    from lapor.models import ProcessHeartbeat

    try:
        beat = ProcessHeartbeat.objects.filter(name="worker").first()
    except Exception:
        return None
    return None if beat is None else round((timezone.now() - beat.last_seen).total_seconds(), 1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def readiness() -> tuple[int, dict[str, Any]]:
    checks = {"database": check_database(), "broker": check_broker()}
    failed = [name for name, result in checks.items() if not result["ok"]]
    body: dict[str, Any] = {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}
    if "database" not in failed:
        body["worker_heartbeat_age_s"] = worker_heartbeat_age()
    if replica.configured():
        # Reported, never failed on: the pages that read from it fall back to the primary.
        body["replica"] = replica.replica_status(fresh=True)
    return (503 if failed else 200), body


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            connections["default"].set_schema_to_public()  # type: ignore[attr-defined]
            status, body = readiness()
            return JsonResponse(body, status=status)
        return self.get_response(request)
