"""`make bench-sync`: referrals between Pemda and to K/L, same-database and HTTP, measured in one run.

Two deployments, each with a fresh database of its own: A (national hub "hub-a" with DKI
Jakarta and Jawa Barat) and B (Kota Bekasi's own deployment), gunicorn in front of both.

1. Backlog, broker stopped: referrals are committed in Jakarta and Jawa Barat (to each other,
   to Kementerian Sosial in the hub console; then, separately, to Kota Bekasi over HTTP) while
   no broker is reachable; sweeper processes alone then deliver each backlog. same_db_per_s and
   http_per_s: referrals of the backlog / seconds until the last one was visible at its
   receiver; sweeper_only_s: the two drains together.
2. Latency, broker up: Celery workers on RabbitMQ (a queue of this run's own) or, without
   RabbitMQ, on kombu's SQLAlchemy transport; referrals are made through the API at a steady
   rate; commit-to-visible latency is read from the databases (origin referral created_at ->
   receiver report submitted_at / hub record created_at).

Lost and duplicated are counted at the receivers for every referral committed in the run.
The last line is the JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

from tests.bench.common import REPO, drop_database, env_for, fresh_database, manage, percentile
from tests.sync.federation import Deployment, wait_for

# (origin, target) of the same-database mix, and the HTTP one (Kota Bekasi is deployment B).
SAME_DB_ROUTES = [("31", "32"), ("32", "31"), ("31", "kemensos"), ("32", "kemensos")]
HTTP_ROUTES = [("31", "32.75"), ("32", "32.75")]
SCHEMA = {"31": "pemda_31", "32": "pemda_32", "32.75": "pemda_32_75"}


# --- inside deployment A: commit referrals through the services ------------------------------------


def make_backlog(spec: dict[str, Any]) -> None:
    """Commit referrals (submit + bukan wewenang) with the real services, one transaction each."""
    import django

    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    django.setup()
    from django_tenants.utils import tenant_context

    from complaints.audit import Actor
    from complaints.models import Category
    from complaints.services import ReporterIdentity, report_refer, report_submit
    from sync import outbox
    from tenants.models import Pemda

    # The broker is stopped in this phase: nothing to queue.
    outbox.QUEUE_ON_COMMIT = False
    tenants = {p.code: p for p in Pemda.objects.filter(code__in=["31", "32"])}
    for i in range(spec["count"]):
        origin, target = spec["routes"][i % len(spec["routes"])]
        with tenant_context(tenants[origin]):
            submitted = report_submit(
                type="pengaduan",
                category=Category.objects.get(code="bansos" if target == "kemensos" else "jalan"),
                title=f"Rujukan uji {spec['tag']} {i}",
                text="Laporan uji beban sinkronisasi antar-instansi.",
                reporter=ReporterIdentity(name="Warga Uji"),
                privacy="public",
                location={"region_code": "32.75.01.1001" if target == "32.75" else ""},
            )
            report_refer(
                report=submitted.report,
                actor=Actor(user_id=None, label="bench"),
                reason="Bukan wewenang",
                target_code=target,
            )


# --- the driver ----------------------------------------------------------------------------------------


def _deployment(name: str, base: str, sync_name: str, port: int, setup: dict[str, Any], **extra: str) -> Deployment:
    url = fresh_database(base, f"lapor_bench_sync_{name}")
    env = env_for(
        url,
        LAPOR_SYNC_NAME=sync_name,
        LAPOR_VAR_DIR=os.path.join(os.environ.get("LAPOR_VAR_DIR", str(REPO / "var")), f"bench-sync-{name}"),
        LAPOR_SYNC_MAX_BACKOFF_SECONDS="2",
        **extra,
    )
    manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
    subprocess.run([sys.executable, "-m", "tests.sync.federation", json.dumps(setup)], env=env, cwd=REPO, check=True)
    return Deployment(name=name, database_url=url, env=env, port=port)


def _rabbit_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def _received(a: Deployment, b: Deployment, tag: str) -> dict[str, int]:
    """Per referral of this tag committed at an origin: how many copies its receiver holds."""
    origins = []
    for code in ("31", "32"):
        origins += a.query(
            f"SELECT r.tracking_id, f.target_code, f.created_at FROM {SCHEMA[code]}.complaints_referral f"
            f" JOIN {SCHEMA[code]}.complaints_report r ON r.id = f.report_id WHERE r.title LIKE %s",
            (f"Rujukan uji {tag} %",),
        )
    copies: dict[str, int] = {}
    by_target: dict[str, list[str]] = {}
    for tid, target, _at in origins:
        by_target.setdefault(target, []).append(tid)
    for target, tids in by_target.items():
        if target == "kemensos":
            rows = a.query(
                "SELECT tracking_id, count(*) FROM public.sync_hubreferral WHERE tracking_id = ANY(%s)"
                " AND target_code = 'kemensos' GROUP BY tracking_id",
                (tids,),
            )
        else:
            where = b if target == "32.75" else a
            rows = where.query(
                f"SELECT tracking_id, count(*) FROM {SCHEMA[target]}.complaints_report"
                " WHERE tracking_id = ANY(%s) GROUP BY tracking_id",
                (tids,),
            )
        found = dict(rows)
        for tid in tids:
            copies[tid] = found.get(tid, 0)
    return copies


def _latencies(a: Deployment, b: Deployment, tag: str) -> list[float]:
    """Commit (origin referral created_at) to visible (receiver row created) in ms, per referral."""
    out: list[float] = []
    for code in ("31", "32"):
        rows = a.query(
            f"SELECT r.tracking_id, f.target_code, f.created_at FROM {SCHEMA[code]}.complaints_referral f"
            f" JOIN {SCHEMA[code]}.complaints_report r ON r.id = f.report_id WHERE r.title LIKE %s",
            (f"Rujukan uji {tag} %",),
        )
        for tid, target, made in rows:
            if target == "kemensos":
                seen = a.query("SELECT created_at FROM public.sync_hubreferral WHERE tracking_id = %s", (tid,))
            else:
                where = b if target == "32.75" else a
                seen = where.query(
                    f"SELECT submitted_at FROM {SCHEMA[target]}.complaints_report WHERE tracking_id = %s", (tid,)
                )
            if seen:
                out.append((seen[0][0] - made).total_seconds() * 1000)
    return out


def _backlog(a: Deployment, tag: str, count: int, routes: list[tuple[str, str]], env: dict[str, str]) -> None:
    spec = {"tag": tag, "count": count, "routes": routes}
    subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_sync", "make-backlog", json.dumps(spec)],
        env=env,
        cwd=REPO,
        check=True,
    )


def _api_referral(a: Deployment, tag: str, i: int, origin: str, target: str) -> None:
    host = {"31": "jakarta.localhost", "32": "jabar.localhost"}[origin]
    body = {
        "type": "pengaduan",
        "category": "bansos" if target == "kemensos" else "jalan",
        "title": f"Rujukan uji {tag} {i}",
        "text": "Laporan uji latensi sinkronisasi antar-instansi.",
        "privacy": "anonim",
        "region_code": "32.75.01.1001" if target == "32.75" else "",
    }
    status, submitted = a.call("POST", "/api/v1/reports/", host=host, body=body)
    if status != 201:
        raise RuntimeError(f"submit failed: {status} {submitted}")
    user = f"verif{origin.replace('.', '')}"
    _s, found = a.call("GET", f"/api/v1/officer/reports/?q={submitted['tracking_id']}", host=host, user=user)
    report_id = found["results"][0]["id"]
    status, body = a.call(
        "POST",
        f"/api/v1/officer/reports/{report_id}/refer/",
        host=host,
        body={"reason": "Bukan wewenang", "target_code": target},
        user=user,
    )
    if status != 200:
        raise RuntimeError(f"refer failed: {status} {body}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--same-db", type=int, default=1200, help="referrals in the same-database backlog")
    parser.add_argument("--http", type=int, default=300, help="referrals in the HTTP backlog")
    parser.add_argument("--sweepers", type=int, default=2, help="sweeper processes on deployment A")
    parser.add_argument("--latency-referrals", type=int, default=120)
    parser.add_argument("--rate", type=float, default=8.0, help="referrals per second through the API")
    args = parser.parse_args()

    base = os.environ["DATABASE_URL"]
    run = uuid.uuid4().hex[:6]
    a_port, b_port = 8111, 8112
    dead_broker = "amqp://guest:guest@127.0.0.1:1//"
    a = b = None
    result: dict[str, Any] = {}
    try:
        b = _deployment(
            "b",
            base,
            "32.75",
            b_port,
            {
                "pemda": ["32", "32.75"],
                "peers": {"hub-a": f"http://localhost:{a_port}/sync/v1/inbox/"},
                "broker": False,
            },
            CELERY_BROKER_URL=dead_broker,
            # Bekasi's own deployment answers to hub-a: the only peer it takes deliveries from.
            LAPOR_SYNC_UPSTREAM="hub-a",
        )
        a = _deployment(
            "a",
            base,
            "hub-a",
            a_port,
            {"pemda": ["31", "32"], "peers": {"32.75": f"http://localhost:{b_port}/sync/v1/inbox/"}, "broker": False},
            CELERY_BROKER_URL=dead_broker,
        )
        a.web()
        b.web()

        # 1. Backlogs committed with the broker stopped, each then drained by the sweepers alone.
        drain_s: dict[str, float] = {}
        for tag, count, routes in (("backlog", args.same_db, SAME_DB_ROUTES), ("backlog-http", args.http, HTTP_ROUTES)):
            print(f"{tag}: committing {count} referrals with the broker stopped ...", flush=True)
            _backlog(a, tag, count, routes, a.env)
            started = time.monotonic()
            for _ in range(args.sweepers):
                a.sweeper()
            wait_for(
                lambda tag=tag: all(n >= 1 for n in _received(a, b, tag).values()),  # type: ignore[misc]
                timeout=300,
                what=f"the {tag} to reach its receivers",
                every=0.25,
            )
            drain_s[tag] = time.monotonic() - started
            wait_for(
                lambda: a.query("SELECT count(*) FROM public.sync_outboxmessage WHERE status = 'pending'") == [(0,)],
                timeout=120,
                what="A's outbox to empty",
                every=0.25,
            )
            a.stop_all()
        same_db_per_s = args.same_db / drain_s["backlog"]
        http_per_s = args.http / drain_s["backlog-http"]
        # Both backlogs were committed during the outage and delivered by sweepers alone.
        sweeper_only = drain_s["backlog"] + drain_s["backlog-http"]
        print(
            f"sweepers: same-db {same_db_per_s:.0f}/s ({drain_s['backlog']:.1f} s), HTTP {http_per_s:.0f}/s"
            f" ({drain_s['backlog-http']:.1f} s)",
            flush=True,
        )
        b.stop_all()

        # 2. Latency with the broker up: workers only (no sweeper) carry the referrals.
        for d in (a, b):
            if _rabbit_up():
                # A queue of this run and deployment: never another run's (or deployment's) tasks.
                d.env["CELERY_BROKER_URL"] = "amqp://guest:guest@127.0.0.1:5672//"
            else:
                d.env["CELERY_BROKER_URL"] = "sqla+" + d.database_url.replace(
                    "postgres://", "postgresql+psycopg2://", 1
                )
            d.env["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-sync-{run}-{d.name}"
            # As `make run` does: declared from one process before web and workers start side by side.
            manage(d.env, "broker_prepare")
        a.web()
        b.web()
        a.worker()
        a.worker()
        b.worker()
        time.sleep(5)
        routes = SAME_DB_ROUTES + HTTP_ROUTES
        print(
            f"latency: {args.latency_referrals} referrals through the API at {args.rate}/s, broker up ...", flush=True
        )
        next_at = time.monotonic()
        for i in range(args.latency_referrals):
            origin, target = routes[i % len(routes)]
            _api_referral(a, "latency", i, origin, target)
            next_at += 1 / args.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
        try:
            wait_for(
                lambda: all(n >= 1 for n in _received(a, b, "latency").values()),
                timeout=60,
                what="the latency referrals",
            )
        except AssertionError as exc:
            print(f"warning: {exc}", file=sys.stderr)
        latencies = _latencies(a, b, "latency")

        # Lost / duplicated over everything committed in the run.
        lost = duplicated = 0
        for tag in ("backlog", "backlog-http", "latency"):
            for copies in _received(a, b, tag).values():
                lost += copies == 0
                duplicated += copies > 1
        result = {
            "bench": "sync",
            "same_db_per_s": round(same_db_per_s, 1),
            "http_per_s": round(http_per_s, 1),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "sweeper_only_s": round(sweeper_only, 1),
            "lost": lost,
            "duplicated": duplicated,
        }
    finally:
        for d in (a, b):
            if d is not None:
                d.stop_all()
        drop_database(base, "lapor_bench_sync_a")
        drop_database(base, "lapor_bench_sync_b")
    # Last, after every process of the run has stopped and printed its shutdown lines.
    print(json.dumps(result), flush=True)
    return 0 if not result["lost"] and not result["duplicated"] else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "make-backlog":
        make_backlog(json.loads(sys.argv[2]))
    else:
        raise SystemExit(main())
