"""/metrics on the hub host: requests per route, status and Pemda; sync and SLA figures read at
scrape time; served to loopback or a bearer token only. Request ids and JSON log lines."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from deadlines.models import DeadlineKind, DueDeadline, Stage
from lapor.logs import formatter, request_bound
from lapor.metrics import registry
from sync.models import OutboxMessage, OutboxStatus
from tenants.models import Pemda
from tests.sync.federation import wait_for

pytestmark = pytest.mark.django_db


def _scrape(client: Client, **extra: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_HOST="localhost", **extra)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _requests(figures: dict[Any, float], **labels: str) -> float:
    return sum(
        value
        for (name, found), value in figures.items()
        if name == "lapor_http_requests_total" and labels.items() <= dict(found).items()
    )


def test_requests_are_counted_by_route_status_and_pemda(jakarta: Pemda, bekasi: Pemda) -> None:
    client = Client()
    before = _scrape(client)
    for _ in range(3):
        assert client.get("/api/v1/categories/", HTTP_HOST="jakarta.localhost").status_code == 200
    assert client.get("/api/v1/categories/", HTTP_HOST="bekasi.localhost").status_code == 200
    assert client.get("/tidak-ada/", HTTP_HOST="jakarta.localhost").status_code == 404
    after = _scrape(client)

    def delta(**labels: str) -> float:
        return _requests(after, **labels) - _requests(before, **labels)

    route = next(
        dict(found)["route"]
        for (name, found), _value in after.items()
        if name == "lapor_http_requests_total" and dict(found).get("pemda") == "pemda_31"
        and "categor" in dict(found)["route"]
    )  # fmt: skip
    assert delta(route=route, status="200", pemda="pemda_31") == 3
    assert delta(route=route, status="200", pemda="pemda_32_75") == 1
    assert delta(route="unmatched", status="404", pemda="pemda_31") == 1
    # The hub's own scrape before this one was counted too, under the hub's schema.
    assert delta(route="metrics", status="200", pemda="public") >= 1


def _unscraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What another process answering a scrape would read: this process's counters, not flushed by a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry()).decode())
        for sample in family.samples
    }


def test_requests_of_a_process_that_answers_no_scrape_are_counted_within_seconds(jakarta: Pemda) -> None:
    # Under gunicorn the process that answered the requests is seldom the one Prometheus reaches;
    # its last requests must reach the shared counters without a scrape or another request.
    client = Client()
    before = _requests(_unscraped(), pemda="pemda_31", status="404")
    for _ in range(3):
        assert client.get("/tidak-ada/", HTTP_HOST="jakarta.localhost").status_code == 404
    wait_for(
        lambda: _requests(_unscraped(), pemda="pemda_31", status="404") - before == 3,
        timeout=10, what="the three requests in the counters",
    )  # fmt: skip


def test_metrics_are_served_on_the_hub_host_to_loopback_or_a_bearer_token(jakarta: Pemda, settings: Any) -> None:
    client = Client()
    assert client.get("/metrics", HTTP_HOST="localhost").status_code == 200
    # A Pemda's host has no such page.
    assert client.get("/metrics", HTTP_HOST="jakarta.localhost").status_code == 404
    # Another address, or loopback relayed by a proxy on the same host, is a stranger.
    assert client.get("/metrics", HTTP_HOST="localhost", REMOTE_ADDR="10.20.30.40").status_code == 404
    assert client.get("/metrics", HTTP_HOST="localhost", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    settings.LAPOR_METRICS_TOKEN = "token-pengamat-uji-123"
    remote = {"REMOTE_ADDR": "10.20.30.40"}
    assert client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer salah", **remote).status_code == 404
    ok = client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer token-pengamat-uji-123", **remote)
    assert ok.status_code == 200
    assert b"lapor_http_requests_total" in ok.content


def test_sync_and_sla_figures_are_read_from_the_database_at_scrape_time(jakarta: Pemda) -> None:
    now = timezone.now()
    common = {"sender": "hub", "kind": "referral.deliver", "version": 1, "body": {}, "next_attempt_at": now}
    OutboxMessage.objects.create(
        recipient="kl-uji", to_party="kl-uji", referral_key=f"r-{uuid.uuid4().hex}", status=OutboxStatus.DEAD,
        attempts=10, created_at=now - timedelta(hours=2), **common,
    )  # fmt: skip
    OutboxMessage.objects.create(
        recipient="kl-uji", to_party="kl-uji", referral_key=f"r-{uuid.uuid4().hex}",
        created_at=now - timedelta(minutes=5), **common,
    )  # fmt: skip
    DueDeadline.objects.create(
        schema_name="pemda_31", report_id=987654, kind=DeadlineKind.VERIFY, due_at=now - timedelta(days=1),
        stage=Stage.BREACHED, next_action_at=now,
    )  # fmt: skip
    figures = _scrape(Client())
    assert figures[("lapor_sync_dead_letters", (("peer", "kl-uji"),))] == 1
    assert figures[("lapor_sync_backlog", (("peer", "kl-uji"),))] == 1
    assert figures[("lapor_sync_oldest_undelivered_seconds", (("peer", "kl-uji"),))] >= 300
    key = ("lapor_sla_open_deadlines", (("kind", "verify"), ("pemda", "pemda_31"), ("stage", "breached")))
    assert figures[key] >= 1


def test_a_request_id_is_taken_from_the_caller_or_made_and_answered(jakarta: Pemda) -> None:
    client = Client()
    given = client.get("/api/v1/categories/", HTTP_HOST="jakarta.localhost", HTTP_X_REQUEST_ID="nginx-5f2a9c")
    assert given["X-Request-ID"] == "nginx-5f2a9c"
    # Not an id (spaces, a header injection attempt, far too long): replaced by one of ours.
    odd = client.get("/api/v1/categories/", HTTP_HOST="jakarta.localhost", HTTP_X_REQUEST_ID="a b\tc" * 30)
    made = client.get("/api/v1/categories/", HTTP_HOST="jakarta.localhost")
    assert odd["X-Request-ID"] and " " not in odd["X-Request-ID"]
    assert made["X-Request-ID"] and made["X-Request-ID"] != odd["X-Request-ID"]


def test_log_lines_are_json_with_the_pemda_and_the_request_id(jakarta: Pemda) -> None:
    record = logging.LogRecord("complaints.test", logging.WARNING, __file__, 1, "laporan %s ditolak", ("LPR-1",), None)
    with request_bound("req-uji-42"), tenant_context(jakarta):
        line = formatter("json").format(record)
    fields = json.loads(line)
    assert fields["event"] == "laporan LPR-1 ditolak"
    assert fields["request_id"] == "req-uji-42"
    assert fields["pemda"] == "pemda_31"
    assert fields["level"] == "warning"
    assert fields["logger"] == "complaints.test"
