"""`make bench-portal`: the citizen portal and the officer queue over a Pemda with 1,000,000 reports.

A database of its own: the pilot seeded, then a million reports written into DKI Jakarta's schema
by one set-wise INSERT … SELECT generate_series (indexes dropped during the load and rebuilt, as
for any bulk load), with dispositions and final answers. Then, over HTTP through gunicorn, in one
run: the public list (page 1; page 10,000, reached by its cursor as the "older" link does; by
category; a text search), a report's public page, the reporter's tracking page, and the
verifikator's queue. Beside them, a bare Django view renders 20 rows of an unindexed copy of the
table with a minimal template (tests/bench/bare/listing.py): the floor of listing 20 rows.

Targets: p95 ≤ 100 ms for each page; page 10,000's p95 within 1.2 times page 1's. The last line is the
JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import urllib.parse

import psycopg2

from tests.bench.common import (
    OFFICER_PASSWORD,
    Session,
    drop_database,
    env_for,
    fresh_database,
    gunicorn,
    manage,
    percentile,
    sign_in,
)

DB = "lapor_bench_portal"
SCHEMA = "pemda_31"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK = ALPHABET + "*~$=U"
PASSWORD = OFFICER_PASSWORD

NOUNS = [
    "Jalan",
    "Lampu jalan",
    "Saluran air",
    "Trotoar",
    "Jembatan",
    "Sampah",
    "Pohon tumbang",
    "Banjir",
    "Puskesmas",
    "Sekolah",
    "Pasar",
    "Halte",
    "Taman",
    "Parkir liar",
    "Pungutan liar",
    "Air bersih",
    "Drainase",
    "Gorong-gorong",
    "Papan reklame",
    "Kabel listrik",
    "Angkutan umum",
    "Izin usaha",
    "KTP elektronik",
    "Kartu keluarga",
    "Bansos",
]
STATES = ["rusak", "mati", "tersumbat", "berlubang", "kotor", "macet", "terlambat", "hilang", "bocor", "retak"]
PLACES = [
    "Menteng", "Gambir", "Tanah Abang", "Kebayoran", "Cilandak", "Tebet", "Pasar Minggu", "Cengkareng", "Grogol",
    "Koja", "Cilincing", "Kelapa Gading", "Cakung", "Duren Sawit", "Jatinegara", "Matraman", "Senen", "Kemayoran",
]  # fmt: skip


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def _tracking_sql(value: str) -> str:
    """The tracking ID of a 40-bit integer, as complaints.tracking builds it (with its check symbol)."""
    symbols = " || ".join(f"substr('{ALPHABET}', (({value} >> {35 - 5 * k}) & 31)::int + 1, 1)" for k in range(8))
    check = f"substr('{CHECK}', ({value} % 37)::int + 1, 1)"
    return f"(SELECT substr(b, 1, 4) || '-' || substr(b, 5) || {check} FROM (SELECT {symbols} AS b) s)"


def seed(url: str, count: int, *, floor: bool = True) -> None:
    """A million reports the way a busy Pemda accumulates them over three years (and, with `floor`,
    the unindexed copy the bare listing reads)."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute(f"SET search_path TO {SCHEMA}, public")
    cur.execute("SELECT array_agg(id ORDER BY id) FROM complaints_category WHERE is_active")
    categories = cur.fetchone()[0]
    cur.execute("SELECT array_agg(id ORDER BY id) FROM agencies_unit WHERE is_active")
    units = cur.fetchone()[0]
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'complaints_report'"
        " AND indexname NOT LIKE '%%_pkey'",
        (SCHEMA,),
    )
    indexes = cur.fetchall()
    constraints = [name for name, _ in indexes if name == "report_tracking_id_unique"]
    for name, _definition in indexes:
        if name in constraints:
            cur.execute(f"ALTER TABLE complaints_report DROP CONSTRAINT {name}")
        else:
            cur.execute(f"DROP INDEX {name}")
    status = (
        "CASE WHEN i % 100 < 5 THEN 'submitted' WHEN i % 100 < 7 THEN 'deferred' WHEN i % 100 < 40 THEN 'disposed'"
        " WHEN i % 100 < 75 THEN 'answered' WHEN i % 100 < 90 THEN 'closed' WHEN i % 100 < 95 THEN 'referred'"
        " ELSE 'archived' END"
    )
    privacy = (
        "CASE WHEN i % 10 < 4 THEN 'public' WHEN i % 10 < 7 THEN 'anonim' WHEN i % 10 < 9 THEN 'rahasia'"
        " ELSE 'anonim_rahasia' END"
    )
    worked = "(i % 100 >= 7 AND i % 100 < 90)"
    units = "ARRAY[" + ",".join(str(u) for u in units) + "]::bigint[]"
    cats = "ARRAY[" + ",".join(str(c) for c in categories) + "]::bigint[]"
    title = (
        f"({_sql_array(NOUNS)})[1 + (i * 7) % {len(NOUNS)}] || ' '"
        f" || ({_sql_array(STATES)})[1 + (i * 3) % {len(STATES)}]"
        f" || ' di ' || ({_sql_array(PLACES)})[1 + (i * 11) % {len(PLACES)}] || ' ' || (i % 997)::text"
    )
    text = (
        f"'Sudah ' || (1 + i % 9)::text || ' minggu ' || lower(({_sql_array(NOUNS)})[1 + (i * 5) % {len(NOUNS)}])"
        f" || ' ' || ({_sql_array(STATES)})[1 + i % {len(STATES)}] || ' dekat ' || ({_sql_array(PLACES)})"
        f"[1 + (i * 13) % {len(PLACES)}] || '. Mohon segera ditindaklanjuti oleh petugas, warga sangat terganggu.'"
    )
    started = time.monotonic()
    cur.execute(
        f"""
        INSERT INTO complaints_report (
            tracking_id, type, category_id, original_category_id, title, original_title, text, address, kecamatan,
            kelurahan, region_code, channel, privacy, language, reporter_name, reporter_phone, reporter_email,
            reporter_nik, reporter_token_hash, status, unit_id, submitted_at, verified_at, disposed_at,
            first_response_at, answered_at, closed_at, verify_due_at, response_due_at, deferred_question,
            archive_reason, rating_comment, version)
        SELECT tid, 'pengaduan', c, c, {title}, {title}, {text}, '',
            '', '', '31.71', 'web', {privacy}, 'id', '', '', '', '', encode(sha256(('t' || tid)::bytea), 'hex'),
            {status}, CASE WHEN {worked} THEN ({units})[1 + (i * 17) % {len(units)}] END, at,
            CASE WHEN i % 100 >= 7 THEN at + interval '1 day' END,
            CASE WHEN {worked} THEN at + interval '1 day' END,
            CASE WHEN i % 100 >= 40 AND i % 100 < 90 THEN at + interval '3 days' END,
            CASE WHEN i % 100 >= 40 AND i % 100 < 90 THEN at + interval '3 days' END,
            CASE WHEN i % 100 >= 75 AND i % 100 < 90 THEN at + interval '20 days' END,
            at + interval '3 days', CASE WHEN {worked} THEN at + interval '8 days' END, '', '', '', 1
        FROM (
            SELECT i, {_tracking_sql("(i + 1000003)::bigint")} AS tid,
                   ({cats})[1 + (i * 13) % {len(categories)}] AS c,
                   now() - ({count} - i) * interval '1 minute' * (1576800.0 / {count}) AS at
            FROM generate_series(1, {count}) AS i
        ) g
        """
    )
    cur.execute(
        "INSERT INTO complaints_disposition (report_id, from_unit_id, to_unit_id, by_user_id, note, created_at)"
        " SELECT id, NULL, unit_id, 1, '', disposed_at FROM complaints_report WHERE unit_id IS NOT NULL"
    )
    cur.execute(
        "INSERT INTO complaints_followup (report_id, author_kind, author_user_id, unit_id, text, is_final, created_at)"
        " SELECT id, 'officer', 1, unit_id, 'Sudah kami tangani: petugas datang dan memperbaiki di lokasi.', true,"
        " answered_at FROM complaints_report WHERE answered_at IS NOT NULL"
    )
    loaded = time.monotonic() - started
    for name, definition in indexes:
        if name in constraints:
            cur.execute(f"ALTER TABLE complaints_report ADD CONSTRAINT {name} UNIQUE (tracking_id)")
        else:
            cur.execute(definition)
    cur.execute("ANALYZE complaints_report")
    cur.execute("ANALYZE complaints_followup")
    cur.execute("ANALYZE complaints_disposition")
    if floor:  # The floor's table: the same rows, no index at all.
        cur.execute("CREATE TABLE public.bench_report_copy AS SELECT * FROM complaints_report")
    print(f"seeded {count:,} reports in {loaded:.1f} s, indexes rebuilt in {time.monotonic() - started - loaded:.1f} s",
          flush=True)  # fmt: skip
    conn.close()


def measure(port: int, host: str, paths: list[str], *, session: Session | None = None, threads: int = 2) -> list[float]:
    """GET every path (spread over `threads`), each request's latency in ms; any status but 200 fails."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    chunks = [paths[k::threads] for k in range(threads)]

    def run(chunk: list[str]) -> None:
        client = Session(port, host)
        if session is not None:
            client.cookies = dict(session.cookies)
        for path in chunk:
            started = time.perf_counter()
            status, _body = client.request("GET", path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{path}: {status}")

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return latencies


def _search_path(rng: random.Random) -> str:
    """A search for a place name: each matches about one report in eighteen."""
    return "/pantau/?" + urllib.parse.urlencode({"q": rng.choice(PLACES).lower()})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="requests per measured page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    base = os.environ["DATABASE_URL"]
    url = fresh_database(base, DB)
    rng = random.Random(7)
    try:
        env = env_for(url, LAPOR_VAR_DIR=os.path.join(os.environ.get("LAPOR_VAR_DIR", "var"), "bench-portal"))
        manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
        manage(env, "seed_pilot", "--credentials-file", os.path.join(env["LAPOR_VAR_DIR"], "admin.txt"))
        manage(env, "broker_prepare")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from accounts.models import Membership;"
            "from tenants.models import Pemda;"
            f"u = User.objects.create_user('bench-verif', password='{PASSWORD}');"
            "Membership.objects.create(user=u, tenant=Pemda.objects.get(code='31'), role='verifikator');"
            "from tests.two_factor import otp_enrol; otp_enrol(u)",
        )
        seed(url, args.reports)

        conn = psycopg2.connect(url)
        cur = conn.cursor()
        cur.execute(f"SET search_path TO {SCHEMA}, public")
        public = "status IN ('disposed','answered','closed','referred') AND privacy IN ('public','anonim')"
        cur.execute(f"SELECT count(*) FROM complaints_report WHERE {public}")
        public_count = cur.fetchone()[0]
        deep_offset = min(200_000, max(0, public_count - 20))  # page 10,000 of 20, or the last page
        cur.execute(
            f"SELECT submitted_at, id FROM complaints_report WHERE {public}"
            " ORDER BY submitted_at DESC, id DESC OFFSET %s LIMIT 1",
            (deep_offset - 1,) if deep_offset else (0,),
        )
        at, pk = cur.fetchone()
        deep = "/pantau/?" + urllib.parse.urlencode({"setelah": f"{at.isoformat()}_{pk}"})
        cur.execute(
            f"SELECT tracking_id FROM complaints_report WHERE {public} ORDER BY random() LIMIT %s", (args.requests,)
        )
        details = [f"/lacak/{urllib.parse.quote(row[0])}/" for row in cur.fetchall()]
        # The reporters' own pages: any report, rahasia too (the seed's key of a report is "t" + its ID).
        cur.execute("SELECT tracking_id FROM complaints_report ORDER BY random() LIMIT %s", (args.requests,))
        tracking = [
            f"/lacak/{urllib.parse.quote(tid)}/?" + urllib.parse.urlencode({"kunci": "t" + tid})
            for (tid,) in cur.fetchall()
        ]
        cur.execute("SELECT code FROM complaints_category WHERE is_active ORDER BY id")
        categories = [row[0] for row in cur.fetchall()]
        conn.close()

        n = args.requests
        bare_env = env_for(url, DJANGO_SETTINGS_MODULE="tests.bench.bare.settings")
        with (
            gunicorn("lapor.wsgi", 8121, env, args.workers),
            gunicorn("tests.bench.bare.wsgi", 8122, bare_env, args.workers),
        ):
            host = "jakarta.localhost"
            measure(8121, host, ["/pantau/", deep, "/pantau/?q=retak", details[0]] * 5)  # warm up
            measure(8122, "localhost", ["/list/"] * 20)
            officer = sign_in(8121, host, "bench-verif")
            pages: dict[str, list[float]] = {}
            # Interleaved, so a slow spell of the machine weighs on every page alike.
            for _round in range(3):
                for name, paths, session, port, on in (
                    ("bare_list", ["/list/"] * (n // 3), None, 8122, "localhost"),
                    ("list", ["/pantau/"] * (n // 3), None, 8121, host),
                    ("deep", [deep] * (n // 3), None, 8121, host),
                    (
                        "category",
                        [f"/pantau/?kategori={rng.choice(categories)}" for _ in range(n // 3)],
                        None,
                        8121,
                        host,
                    ),
                    ("search", [_search_path(rng) for _ in range(n // 3)], None, 8121, host),
                    ("detail", details[_round::3], None, 8121, host),
                    ("tracking", tracking[_round::3], None, 8121, host),
                    ("queue", ["/konsol/antrean/"] * (n // 3), officer, 8121, host),
                ):
                    pages.setdefault(name, []).extend(measure(port, on, paths, session=session))
        p95 = {name: round(percentile(values, 95), 1) for name, values in pages.items()}
        for name, value in p95.items():
            p50 = percentile(pages[name], 50)
            print(f"{name:9s} p50 {p50:6.1f} ms  p95 {value:6.1f} ms  ({len(pages[name])} requests)", flush=True)
        result = {
            "bench": "portal",
            "list_p95_ms": p95["list"],
            "deep_page_ratio": round(p95["deep"] / p95["list"], 2) if p95["list"] else 0.0,
            "search_p95_ms": p95["search"],
            "detail_p95_ms": p95["detail"],
            "queue_p95_ms": p95["queue"],
            "deep_p95_ms": p95["deep"],
            "category_p95_ms": p95["category"],
            "tracking_p95_ms": p95["tracking"],
            "bare_list_p95_ms": p95["bare_list"],
            "reports": args.reports,
        }
    finally:
        drop_database(base, DB)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
