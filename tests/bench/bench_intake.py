"""`make bench-intake`: report submission through gunicorn vs. a bare DRF insert, in the same run.

Both apps run under the same gunicorn settings against the same PostgreSQL, in a database of
their own that is dropped afterwards. Rounds alternate between the two in ABBA order (bare,
intake, intake, bare, …), so a machine that speeds up or slows down during the run weighs on
both alike. On the shared 2-core machine its speed swings by a third within seconds, so the
rounds are short and many (12 of 3 s each): a slow spell then lands on both apps' neighbouring
rounds instead of on one app's whole 6-second round. The last line is the JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import psycopg2

from tests.bench.bare.schema import TABLE_SQL
from tests.bench.common import (
    LoadResult,
    drop_database,
    env_for,
    fresh_database,
    gunicorn,
    manage,
    percentile,
    post_load,
)

PAYLOAD = {
    "type": "pengaduan",
    "category": "lampu-jalan",
    "title": "Lampu jalan mati di Jalan Merdeka",
    "text": "Sudah seminggu lampu penerangan jalan di depan nomor 12 mati, jalan gelap dan rawan.",
    "privacy": "public",
    "reporter_email": "warga@example.id",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=12, help="rounds of each app (an even number pairs them ABBA)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both apps")
    args = parser.parse_args()

    base = os.environ["DATABASE_URL"]
    url = fresh_database(base, "lapor_bench_intake")
    try:
        env = env_for(url, LAPOR_VAR_DIR=os.path.join(os.environ.get("LAPOR_VAR_DIR", "var"), "bench-intake"))
        os.makedirs(os.path.join(env["LAPOR_VAR_DIR"], "static"), exist_ok=True)
        manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
        manage(env, "seed_pilot", "--credentials-file", os.path.join(env["LAPOR_VAR_DIR"], "admin.txt"))
        # As `make run` does: both gunicorn workers' relays would otherwise race to create the broker's tables.
        manage(env, "broker_prepare")
        conn = psycopg2.connect(url)
        conn.autocommit = True
        conn.cursor().execute(TABLE_SQL)
        conn.close()
        bare_env = env_for(url, DJANGO_SETTINGS_MODULE="tests.bench.bare.settings")

        lapor, bare = LoadResult(), LoadResult()
        with (
            gunicorn("lapor.wsgi", 8101, env, args.workers),
            gunicorn("tests.bench.bare.wsgi", 8102, bare_env, args.workers),
        ):
            # Warm both (imports, connections, caches) before measuring.
            post_load(
                port=8101,
                host="jakarta.localhost",
                path="/api/v1/reports/",
                payload=PAYLOAD,
                concurrency=2,
                seconds=1.5,
            )
            post_load(port=8102, host="localhost", path="/api/v1/reports/", payload=PAYLOAD, concurrency=2, seconds=1.5)
            pair = [("bare", 8102, "localhost", bare), ("intake", 8101, "jakarta.localhost", lapor)]
            for round_no in range(args.rounds):
                for name, port, host, total in pair if round_no % 2 == 0 else pair[::-1]:
                    got = post_load(
                        port=port,
                        host=host,
                        path="/api/v1/reports/",
                        payload=PAYLOAD,
                        concurrency=args.concurrency,
                        seconds=args.seconds,
                    )
                    total.requests += got.requests
                    total.errors += got.errors
                    total.seconds += got.seconds
                    total.latencies_ms.extend(got.latencies_ms)
                    print(
                        f"round {round_no + 1} {name:6s}: {got.per_second:7.1f} req/s, {got.errors} errors", flush=True
                    )
        if lapor.errors or bare.errors:
            print(f"errors: intake {lapor.errors}, bare {bare.errors}", file=sys.stderr)
        result = {
            "bench": "intake",
            "reports_per_s": round(lapor.per_second, 1),
            "bare_per_s": round(bare.per_second, 1),
            "ratio": round(lapor.per_second / bare.per_second, 3) if bare.per_second else 0.0,
            "p50_ms": round(percentile(lapor.latencies_ms, 50), 1),
            "p99_ms": round(percentile(lapor.latencies_ms, 99), 1),
        }
        print(json.dumps(result))
        return 0 if not lapor.errors else 1
    finally:
        drop_database(base, "lapor_bench_intake")


if __name__ == "__main__":
    raise SystemExit(main())
