"""`make bench-load`: a bounded Locust run of mixed roles at 3x the intake rate measured in the same run.

A database of its own (lapor_bench_load), the pilot seeded, two verifikators and two officers of
Dinas Bina Marga created, the real app under gunicorn on 127.0.0.1:8141. First the intake rate
is measured through that same server as `make bench-intake` measures it (JSON filings from 8
client threads for `--measure-seconds`); then Locust (tests/bench/load_users.py, a process of its
own because of gevent's monkey-patching) offers `--factor` (3) times that many requests per second
for `--seconds` (300) from `--users` users: citizens filing through the API and the portal's form
and following their reports by tracking ID, the public browsing /pantau/ and report pages, and
the officers, signed in through /masuk/, working their lists (the verifikators verify and dispose
to Bina Marga, its officers give the final answer).

Rate limits: the per-address limit is off, as in every bench (all the load comes from one
loopback address, so it would refuse nearly every filing); the per-phone limit stays at its
default, and one citizen in ten files as the same repeat filer, whose filings past the limit are
the intended 429s. Afterwards: every tracking ID a filing was answered with is a row in the
Pemda's schema and the table grew by exactly that many rows (nothing lost, nothing unaccounted);
no response other than those intended 429s outside the statuses its route may give; p50 and p99
per route. On the 2-core machine the client, the server and PostgreSQL share the cores, so the
offered rate is beyond what the server can answer: the achieved rate is printed beside the target.
The last line is the JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import psycopg2

from tests.bench.bench_intake import PAYLOAD
from tests.bench.common import (
    OFFICER_PASSWORD,
    REPO,
    drop_database,
    env_for,
    fresh_database,
    gunicorn,
    manage,
    post_load,
)

DB = "lapor_bench_load"
SCHEMA = "pemda_31"
PORT = 8141
HOST = "jakarta.localhost"
VERIFIKATORS = ["bench-verif-1", "bench-verif-2"]
UNIT_OFFICERS = ["bench-bm-1", "bench-bm-2"]
UNIT = "DBM"  # Dinas Bina Marga of the pilot


OFFICERS = """
from django.contrib.auth.models import User
from django_tenants.utils import tenant_context
from accounts.models import Membership
from agencies.models import Unit
from tenants.models import Pemda
from tests.two_factor import otp_enrol

pemda = Pemda.objects.get(code="31")
with tenant_context(pemda):
    unit = Unit.objects.get(code=%(unit)r)
for name in %(verifikators)r:
    user = User.objects.create_user(name, password=%(password)r)
    Membership.objects.create(user=user, tenant=pemda, role="verifikator")
    otp_enrol(user)  # they sign in with the second step (tests/bench/common.py sign_in)
for name in %(unit_officers)r:
    user = User.objects.create_user(name, password=%(password)r)
    Membership.objects.create(user=user, tenant=pemda, role="unit_officer", unit_id=unit.pk)
    otp_enrol(user)
"""


def _officers(env: dict[str, str]) -> None:
    values = {"unit": UNIT, "verifikators": VERIFIKATORS, "unit_officers": UNIT_OFFICERS, "password": OFFICER_PASSWORD}
    manage(env, "shell", "-c", OFFICERS % values)


def _scalar(url: str, sql: str, params: tuple[object, ...] = ()) -> object:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET search_path TO {SCHEMA}, public")
            cur.execute(sql, params)
            return cur.fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the Locust run")
    parser.add_argument("--factor", type=float, default=3.0, help="offered rate as a multiple of the intake rate")
    parser.add_argument("--measure-seconds", type=float, default=10.0, help="length of the intake measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads of the intake measurement")
    parser.add_argument("--users", type=int, default=48, help="Locust users (4 of them officers)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    base = os.environ["DATABASE_URL"]
    url = fresh_database(base, DB)
    try:
        var = os.path.join(os.environ.get("LAPOR_VAR_DIR", "var"), "bench-load")
        # The per-phone limit at its default: the repeat filer's 429s are the intended ones.
        env = env_for(url, LAPOR_VAR_DIR=var, LAPOR_INTAKE_RATE_PER_PHONE="10/hour")
        manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
        manage(env, "seed_pilot", "--credentials-file", os.path.join(var, "admin.txt"))
        manage(env, "broker_prepare")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        _officers(env)
        unit_id = _scalar(url, "SELECT id FROM agencies_unit WHERE code = %s", (UNIT,))
        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute(f"SET search_path TO {SCHEMA}, public")
            cur.execute("SELECT code FROM complaints_category WHERE is_active ORDER BY id")
            categories = [row[0] for row in cur.fetchall()]
        conn.close()

        with gunicorn("lapor.wsgi", PORT, env, args.workers), tempfile.TemporaryDirectory() as tmp:
            post_load(port=PORT, host=HOST, path="/api/v1/reports/", payload=PAYLOAD, concurrency=2, seconds=1.5)
            intake = post_load(
                port=PORT,
                host=HOST,
                path="/api/v1/reports/",
                payload=PAYLOAD,
                concurrency=args.concurrency,
                seconds=args.measure_seconds,
            )
            if intake.errors or not intake.requests:
                print(f"intake measurement failed: {intake.errors} errors", file=sys.stderr)
                return 1
            target = args.factor * intake.per_second
            print(f"intake: {intake.per_second:.1f} reports/s; offering {target:.1f} requests/s", flush=True)
            rows_before = int(_scalar(url, "SELECT count(*) FROM complaints_report"))  # type: ignore[call-overload]
            config = {
                "port": PORT,
                "host": HOST,
                "rate": target,
                "seconds": args.seconds,
                "users": args.users,
                "categories": categories,
                "unit_id": unit_id,
                "verifikators": VERIFIKATORS,
                "unit_officers": UNIT_OFFICERS,
            }
            config_path, out_path = os.path.join(tmp, "config.json"), os.path.join(tmp, "out.json")
            with open(config_path, "w") as handle:
                json.dump(config, handle)
            subprocess.run(
                [sys.executable, "-m", "tests.bench.load_users", config_path, out_path],
                env=env_for(url),
                cwd=REPO,
                check=True,
                timeout=args.seconds + 300,
            )
            with open(out_path) as handle:
                run = json.load(handle)

        filed: list[str] = run["filed"]
        rows = int(_scalar(url, "SELECT count(*) FROM complaints_report")) - rows_before  # type: ignore[call-overload]
        found = int(
            _scalar(url, "SELECT count(*) FROM complaints_report WHERE tracking_id = ANY(%s)", (filed,))  # type: ignore[call-overload]
        )
        lost = len(set(filed)) - found
        unaccounted = rows - len(filed)
        refused = sum(route["statuses"].get("429", 0) for route in run["routes"].values())
        print(f"{'route':40s} {'requests':>8s} {'p50 ms':>8s} {'p99 ms':>8s}  statuses", flush=True)
        for name, route in run["routes"].items():
            statuses = " ".join(f"{code}:{n}" for code, n in route["statuses"].items())
            print(f"{name:40s} {route['requests']:8d} {route['p50_ms']:8.0f} {route['p99_ms']:8.0f}  {statuses}")
        for line in run["errors"]:
            print(f"error: {line}", file=sys.stderr)
        print(
            f"filed {len(filed)} (201s and form answers), rows added {rows}, tracking IDs missing {lost};"
            f" intended 429s {refused}; other errors {run['error_count']}",
            flush=True,
        )
        achieved = run["requests"] / run["seconds"] if run["seconds"] else 0.0
        result = {
            "bench": "load",
            "intake_per_s": round(intake.per_second, 1),
            "target_per_s": round(target, 1),
            "achieved_per_s": round(achieved, 1),
            "seconds": run["seconds"],
            "requests": run["requests"],
            "errors": run["error_count"],
            "intended_429": refused,
            "filed": len(filed),
            "rows": rows,
            "lost": lost + max(0, -unaccounted),
            "unaccounted_rows": max(0, unaccounted),
            "p99_ms": run["p99_ms"],
            "p99_ms_per_route": {name: route["p99_ms"] for name, route in run["routes"].items()},
        }
    finally:
        drop_database(base, DB)
    print(json.dumps(result), flush=True)
    ok = not result["errors"] and not result["lost"] and not result["unaccounted_rows"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
