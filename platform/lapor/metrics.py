"""Prometheus metrics (prometheus-client): requests, tasks, sync and SLA figures, per Pemda.

Counted where they happen, in every process:

- `lapor_http_requests_total{route, status, pemda}` and `lapor_http_request_seconds_total{route}`
  (time spent answering; divided by the requests, the mean latency of a route) by the first
  middleware (`RequestMiddleware`), which also sets the request id (lapor.logs). `route` is the
  URL pattern's name (`unmatched` for a 404 that matched none), `pemda` the schema the host
  selected (`public` is the hub, `-` a request answered before a tenant was chosen: health
  probes, unknown hosts). No query: a request adds to a queue of the process (about a
  microsecond), which a thread of the process writes to the prometheus-client counters once a
  second (as lapor.relay does), and also when the process exits and before it answers a scrape:
  a process that answers nothing more still has its last second counted. A prometheus-client counter per
  request (a label lookup and, in multiprocess mode, a locked write to a memory-mapped file) cost
  6-10 µs on the 2-core machine; a histogram more.
- `lapor_celery_tasks_total{task, outcome, pemda}` and `lapor_celery_task_duration_seconds{task}`
  from Celery's signals in the worker.
- `lapor_sla_breaches_total{pemda, kind}` when a deadline is found missed (complaints).

Read when Prometheus scrapes, from the database (a handful of indexed queries over the public
schema, whatever the number of Pemda): collectors named in settings.LAPOR_METRICS_COLLECTORS by
dotted path (sync's backlog, lag and dead letters; the SLA clocks now breached per Pemda).

Under gunicorn (several processes) and with Celery workers on the same host, every process
writes its counters to files in `PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess
mode; the directory must be emptied when the service starts) and `/metrics` adds them up. A
worker on another host serves its own on `LAPOR_WORKER_METRICS_PORT`.

`/metrics` is served on the hub's host only (never a Pemda's), to addresses in
`LAPOR_METRICS_ALLOWED_ADDRESSES` (loopback by default) or to a scraper presenting
`Authorization: Bearer <LAPOR_METRICS_TOKEN>`; everyone else gets 404.
"""

from __future__ import annotations

import atexit
import hmac
import ipaddress
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

from lapor.logs import (
    REQUEST_ID,
    REQUEST_ID_HEADER,
    TASK_HEADER,
    bind_task,
    current_request_id,
    request_id_from,
    unbind,
)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "lapor_http_requests", "HTTP requests answered, by URL pattern name, status and Pemda", ["route", "status", "pemda"]
)
HTTP_SECONDS = Counter("lapor_http_request_seconds", "Time spent answering requests, by URL pattern name", ["route"])
CELERY_TASKS = Counter(
    "lapor_celery_tasks", "Celery tasks run, by task name, outcome and Pemda", ["task", "outcome", "pemda"]
)
CELERY_TASK_LATENCY = Histogram(
    "lapor_celery_task_duration_seconds", "Time a task ran, by task name", ["task"], buckets=_LATENCY_BUCKETS
)
SLA_BREACHES = Counter("lapor_sla_breaches", "Deadlines found missed, by Pemda and clock", ["pemda", "kind"])


# --- web ----------------------------------------------------------------------------------------


class _Tally:
    """This process's request counts since they were last written to the prometheus-client counters."""

    FLUSH_SECONDS = 1.0

    def __init__(self) -> None:
        # deque.append and popleft are atomic: threads of a gthread worker lose no request.
        self.pending: deque[tuple[str, str, str, float]] = deque()
        self.lock = threading.Lock()
        self.thread_pid: int | None = None
        os.register_at_fork(after_in_child=self._forked)
        atexit.register(self.flush)

    def _forked(self) -> None:
        self.pending = deque()
        self.lock = threading.Lock()

    def add(self, route: str, status: str, pemda: str, seconds: float) -> None:
        self.pending.append((route, status, pemda, seconds))
        if self.thread_pid != os.getpid():  # first request of this process (also after a fork)
            self.thread_pid = os.getpid()
            threading.Thread(target=self._flush_forever, name="metrics-tally", daemon=True).start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(self.FLUSH_SECONDS)
            if self.pending:
                self.flush()

    def flush(self) -> None:
        if not self.lock.acquire(blocking=False):
            return  # another thread is writing them
        try:
            counts: dict[tuple[str, str, str], int] = {}
            spent: dict[str, float] = {}
            pending = self.pending
            while pending:
                try:
                    route, status, pemda, seconds = pending.popleft()
                except IndexError:
                    break
                counts[route, status, pemda] = counts.get((route, status, pemda), 0) + 1
                spent[route] = spent.get(route, 0.0) + seconds
            for (route, status, pemda), n in counts.items():
                HTTP_REQUESTS.labels(route, status, pemda).inc(n)
            for route, total in spent.items():
                HTTP_SECONDS.labels(route).inc(total)
        finally:
            self.lock.release()


_tally = _Tally()


class RequestMiddleware:
    """First in both middleware chains (lapor.lanes): the request id, then the request counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        match = request.resolver_match
        tenant = getattr(request, "tenant", None)
        _tally.add(
            (match.view_name or match.route) if match is not None else "unmatched",
            str(response.status_code),
            tenant.schema_name if tenant is not None else "-",
            time.perf_counter() - started,
        )
        return response


@lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in addresses if a.strip())


def scrape_allowed(request: HttpRequest) -> bool:
    token = settings.LAPOR_METRICS_TOKEN
    if token:
        offered = request.META.get("HTTP_AUTHORIZATION", "")
        if offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].strip().encode(), token.encode()):
            return True
    # A request relayed by a proxy (nginx sets X-Forwarded-For) never counts as local, whatever
    # REMOTE_ADDR says: behind nginx on the same host every request comes from loopback.
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.LAPOR_METRICS_ALLOWED_ADDRESSES)))


def registry() -> CollectorRegistry:
    """What one scrape reads: every process's counters, then the collectors' figures from the database."""
    found = CollectorRegistry()
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(found)
    else:
        from prometheus_client import REGISTRY

        found.register(REGISTRY)
    for path in settings.LAPOR_METRICS_COLLECTORS:
        found.register(import_string(path)())
    return found


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return HttpResponseNotFound()
    _tally.flush()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


# --- worker -------------------------------------------------------------------------------------


def _task_header(task: Any, name: str) -> Any:
    request = task.request
    headers = getattr(request, "headers", None) or {}
    return headers.get(name) or request.get(name)


def _task_schema() -> str:
    from django.db import connection

    return str(getattr(connection, "schema_name", "-"))


# Per running task: when it started and the schema it runs in (tenant-schemas-celery restores the
# previous schema in its own task_postrun handler, which runs before this module's).
_started: dict[str, tuple[float, str]] = {}


def on_before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """The request id travels with each task queued while it is bound."""
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def on_task_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    _started[task_id] = (time.perf_counter(), _task_schema())
    bind_task(request_id_from(_task_header(task, TASK_HEADER)), task=task.name, task_id=task_id)


def on_task_postrun(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    started, schema = _started.pop(task_id, (None, "-"))
    CELERY_TASKS.labels(task.name, (state or "unknown").lower(), schema).inc()
    if started is not None:
        CELERY_TASK_LATENCY.labels(task.name).observe(time.perf_counter() - started)
    unbind()


def on_worker_ready(**_: Any) -> None:
    """A worker on a host without the web tier serves its own figures (LAPOR_WORKER_METRICS_PORT)."""
    port = settings.LAPOR_WORKER_METRICS_PORT
    if not port:
        return
    from prometheus_client import start_http_server

    if MULTIPROCESS:
        served = CollectorRegistry()
        multiprocess.MultiProcessCollector(served)
        start_http_server(port, addr=settings.LAPOR_WORKER_METRICS_ADDRESS, registry=served)
    else:
        start_http_server(port, addr=settings.LAPOR_WORKER_METRICS_ADDRESS)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(on_before_publish, dispatch_uid="lapor-metrics-publish", weak=False)
    signals.task_prerun.connect(on_task_prerun, dispatch_uid="lapor-metrics-prerun", weak=False)
    signals.task_postrun.connect(on_task_postrun, dispatch_uid="lapor-metrics-postrun", weak=False)
    signals.worker_ready.connect(on_worker_ready, dispatch_uid="lapor-metrics-worker-ready", weak=False)


# --- collectors' helpers ------------------------------------------------------------------------


class DatabaseCollector(Collector):  # type: ignore[misc]
    """A collector that reads the database at scrape time; a failing query yields nothing, not a 500."""

    def collect(self) -> Iterable[Any]:
        from django.db import connection

        try:
            yield from self.read()
        except Exception:  # a scrape during a database outage: the figures are simply absent
            connection.close()

    def read(self) -> Iterable[Any]:
        raise NotImplementedError
