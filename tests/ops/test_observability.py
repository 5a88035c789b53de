"""Observability against real processes: Debian's Prometheus scrapes a live deployment, and one
request's log lines, in gunicorn and in the Celery worker that did its work, share its id.

The deployment (own database, gunicorn with two workers, a Celery worker; kombu's SQLAlchemy
broker in its own database) writes its counters to one PROMETHEUS_MULTIPROC_DIR, as `make run`
does, and its logs as JSON lines to files the test reads. Prometheus runs on loopback with a
scrape configuration pointing at the hub's host (`localhost:<port>`), and is asked through its
HTTP API for the platform's figures. The alert rules and the Grafana dashboard of
deploy/observability are checked by `promtool` and by Prometheus itself.

The Prometheus tests skip only where Debian's prometheus is not installed (.ci/run installs it
and sets LAPOR_REQUIRE_PROMETHEUS=1, which turns the skip into a failure).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.bench.common import drop_database
from tests.helpers import BIN, REPO, celery_worker_command, database_url, free_port
from tests.sync.federation import Deployment, _up, wait_for
from tests.sync.test_federation import ROAD, _deployment

OBSERVABILITY = REPO / "deploy" / "observability"
NAME = "obs"

# Not marked `broker`: the deployment has a broker of its own (its database).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def needs_prometheus() -> None:
    """Skip where Prometheus is absent, unless CI demands it (LAPOR_REQUIRE_PROMETHEUS=1 in .ci/run)."""
    if shutil.which("prometheus") is None or shutil.which("promtool") is None:
        message = "prometheus or promtool missing (Debian's prometheus; .ci/run installs it)"
        if os.environ.get("LAPOR_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(message)
        pytest.skip(message)


class Observed:
    """The deployment, its log files and its metrics directory."""

    def __init__(self, deployment: Deployment, home: Path) -> None:
        self.d = deployment
        self.home = home
        self.web_log = home / "web.log"
        self.worker_log = home / "worker.log"

    def start(self) -> None:
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "lapor.wsgi", "--bind", f"127.0.0.1:{self.d.port}", "--workers", "2"],
            env=self.d.env, cwd=REPO, start_new_session=True,
            stdout=self.web_log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = subprocess.Popen(
            celery_worker_command("-n", f"obs-{uuid.uuid4().hex[:6]}@%h", level="info"),
            env=self.d.env, cwd=REPO, start_new_session=True,
            stdout=self.worker_log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.d.processes += [web, worker]
        wait_for(lambda: _up(self.d.port), timeout=60, what="gunicorn")

    def call(
        self, method: str, path: str, *, host: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=60)
        sent = {"Host": host, "Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        try:
            data: Any = json.loads(raw)
        except ValueError:
            data = raw.decode(errors="replace")
        return response.status, data, dict(response.getheaders())

    def submit(self, title: str, headers: dict[str, str] | None = None) -> str:
        status, body, _ = self.call("POST", "/api/v1/reports/", host="jakarta.localhost",
                                    body={**ROAD, "title": title}, headers=headers)  # fmt: skip
        assert status == 201, body
        return str(body["tracking_id"])

    def refer(self, tracking_id: str, request_id: str = "") -> dict[str, str]:
        import base64

        auth = {"Authorization": "Basic " + base64.b64encode(b"verif31:sandi-uji-123").decode()}
        status, found, _ = self.call("GET", f"/api/v1/officer/reports/?q={tracking_id}", host="jakarta.localhost",
                                     headers=auth)  # fmt: skip
        assert status == 200, found
        extra = {"X-Request-ID": request_id} if request_id else {}
        status, body, headers = self.call(
            "POST", f"/api/v1/officer/reports/{found['results'][0]['id']}/refer/", host="jakarta.localhost",
            body={"reason": "Wewenang Provinsi Jawa Barat", "target_code": "32"}, headers={**auth, **extra},
        )  # fmt: skip
        assert status == 200, body
        return headers

    def received(self, tracking_id: str) -> bool:
        rows = self.d.query("SELECT count(*) FROM pemda_32.complaints_report WHERE tracking_id = %s", (tracking_id,))
        return rows == [(1,)]

    def lines(self, path: Path) -> list[dict[str, Any]]:
        found = []
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


@pytest.fixture(scope="module")
def observed(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Observed]:
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
    own = urllib.parse.urlsplit(base)._replace(path=f"/lapor_test_fed_{NAME}").geturl()
    broker = "sqla+" + own.replace("postgres://", "postgresql+psycopg2://", 1)
    home = Path(tempfile.mkdtemp(prefix="lapor-obs-"))
    (home / "metrics").mkdir()
    d = _deployment(NAME, base, "hub-obs", broker, {"pemda": ["31", "32"]})
    d.env.update(
        PROMETHEUS_MULTIPROC_DIR=str(home / "metrics"), LAPOR_LOG_LEVEL="INFO", LAPOR_LOG_FORMAT="json"
    )  # fmt: skip
    observed = Observed(d, home)
    try:
        observed.start()
        yield observed
    finally:
        d.stop_all()
        drop_database(base, f"lapor_test_fed_{NAME}")
        shutil.rmtree(home, ignore_errors=True)


def test_a_request_and_the_worker_task_it_queued_log_under_one_request_id_with_their_pemda(
    observed: Observed,
) -> None:
    tid = observed.submit("Trotoar ambles di depan pasar")
    request_id = f"uji-{uuid.uuid4().hex[:12]}"
    answered = observed.refer(tid, request_id=request_id)
    assert answered.get("X-Request-ID") == request_id
    wait_for(lambda: observed.received(tid), timeout=90, what="the referral at Jawa Barat")

    def worker_lines() -> list[dict[str, Any]]:
        lines = [line for line in observed.lines(observed.worker_log) if line.get("request_id") == request_id]
        return lines if any(line.get("pemda") == "pemda_32" for line in lines) else []

    in_worker = wait_for(worker_lines, timeout=30, what="the worker's lines of the referral")
    in_web = [line for line in observed.lines(observed.web_log) if line.get("request_id") == request_id]
    # The request wrote its referral in DKI Jakarta's schema and logged it there.
    assert in_web, "no log line of the request carries its id"
    assert {line["pemda"] for line in in_web} == {"pemda_31"}
    assert any("written" in line["event"] for line in in_web)
    # The worker ran the delivery the request queued (task header) at the hub, then in Jawa Barat.
    assert {line.get("task") for line in in_worker} >= {"sync.tasks.outbox_deliver_task"}
    assert {"public", "pemda_32"} <= {line["pemda"] for line in in_worker}
    assert any("applied" in line["event"] for line in in_worker if line["pemda"] == "pemda_32")
    for line in in_web + in_worker:
        assert {"timestamp", "level", "logger", "event"} <= line.keys()
    print(f"\nrequest {request_id}: {len(in_web)} web line(s), {len(in_worker)} worker line(s)")


def _prometheus_get(port: int, path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _value(port: int, query: str) -> float:
    answer = _prometheus_get(port, "/api/v1/query", query=query)
    result = answer["data"]["result"]
    return sum(float(row["value"][1]) for row in result)


def test_the_alert_rules_pass_promtool_and_their_unit_tests(needs_prometheus: None, tmp_path: Path) -> None:
    subprocess.run(["promtool", "check", "rules", str(OBSERVABILITY / "alerts.yml")], check=True)
    subprocess.run(["promtool", "test", "rules", "alerts.test.yml"], cwd=OBSERVABILITY, check=True)
    # The example scrape configuration is valid once its token file exists.
    token = tmp_path / "metrics-token"
    token.write_text("token-uji\n")
    config = (OBSERVABILITY / "prometheus.yml").read_text().replace("/etc/lapor/secrets/metrics-token", str(token))
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copy(OBSERVABILITY / "alerts.yml", tmp_path / "alerts.yml")
    subprocess.run(["promtool", "check", "config", str(tmp_path / "prometheus.yml")], check=True)


def test_prometheus_scrapes_the_hub_and_finds_requests_tasks_and_sync_figures_per_pemda(
    needs_prometheus: None, observed: Observed, tmp_path: Path
) -> None:
    for _i in range(5):
        status, _body, _headers = observed.call("GET", "/api/v1/categories/", host="jakarta.localhost")
        assert status == 200
    assert observed.call("GET", "/api/v1/categories/", host="jabar.localhost")[0] == 200
    tid = observed.submit("Lampu jalan padam sepanjang Jalan Margonda")
    observed.refer(tid)
    wait_for(lambda: observed.received(tid), timeout=90, what="the referral at Jawa Barat")

    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(OBSERVABILITY / "alerts.yml")],
        "scrape_configs": [
            {
                "job_name": "lapor",
                "metrics_path": "/metrics",
                # The hub's host name: /metrics exists on no Pemda's host.
                "static_configs": [{"targets": [f"localhost:{observed.d.port}"]}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:

        def scraped() -> bool:
            try:
                return _value(port, 'up{job="lapor"}') == 1 and _value(port, "lapor_http_requests_total") > 0
            except OSError:
                return False

        wait_for(scraped, timeout=90, what="Prometheus's first scrape of the hub")
        scraped_after = time.monotonic() - started
        jakarta = _value(port, 'sum(lapor_http_requests_total{pemda="pemda_31", status="200"})')
        jabar = _value(port, 'sum(lapor_http_requests_total{pemda="pemda_32", status="200"})')
        categories = _value(port, 'sum(lapor_http_requests_total{pemda="pemda_31", route=~".*categor.*"})')
        created = _value(port, 'sum(lapor_http_requests_total{pemda="pemda_31", status="201"})')
        tasks = _value(port, 'sum(lapor_celery_tasks_total{task="sync.tasks.outbox_deliver_task", outcome="success"})')
        assert categories >= 5 and jabar >= 1 and created >= 1, (categories, jabar, created)
        # The worker's counters (another process, the same directory) are in the web's answer.
        assert tasks >= 1
        # Figures read from the database at scrape time: the hub's outbox to Jawa Barat, delivered.
        assert _value(port, 'count(lapor_sync_backlog{peer="32"})') == 1
        assert _value(port, 'lapor_sync_backlog{peer="32"}') == 0
        assert _value(port, "count(lapor_sync_dead_letters)") >= 1
        # Every dashboard panel and every alert is a query Prometheus accepts.
        dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
        exprs = [target["expr"].replace("$pemda", ".*") for p in dashboard["panels"] for target in p["targets"]]
        for expr in exprs:
            assert _prometheus_get(port, "/api/v1/query", query=expr)["status"] == "success", expr
        rules = wait_for(
            lambda: _prometheus_get(port, "/api/v1/rules")["data"]["groups"], timeout=30, what="the rules loaded"
        )
        assert {rule["name"] for group in rules for rule in group["rules"]} >= {
            "LaporSyncLagHigh", "LaporSyncDeadLetters", "LaporSlaBreachSpike",
        }  # fmt: skip
        assert all(rule["health"] != "err" for group in rules for rule in group["rules"] if "health" in rule)
        print(
            f"\nPrometheus scraped the hub {scraped_after:.1f} s after starting: pemda_31 200s={jakarta:.0f}"
            f" (categories {categories:.0f}), 201s={created:.0f}, pemda_32 200s={jabar:.0f},"
            f" outbox deliveries={tasks:.0f}; {len(exprs)} dashboard queries and the alert rules accepted"
        )
    finally:
        prometheus.terminate()
        try:
            prometheus.wait(timeout=30)
        except subprocess.TimeoutExpired:
            prometheus.kill()
            prometheus.wait()
