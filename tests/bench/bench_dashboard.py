"""`make bench-dashboard`: the pimpinan's SKPD ranking and the hub's league table at national size.

A database of its own: the hub, the DKI Jakarta pilot and the other Pemda onboarded (552 in
all), then reports written by set-wise SQL (INSERT … SELECT generate_series) with the history a
Pemda accumulates in three years: dispositions down the SKPD tree, first responses and final
answers at speeds that differ by unit and category, ratings, reopened reports (real audit events),
SLA breaches, the open clocks of the deadline index, regional holidays in the calendar. Jakarta
holds `--reports` of them (1,000,000); the other Pemda share the rest of `--national`
(2,200,000 in all, the size of SP4N-LAPOR! in 2023).

The aggregates are then built the way production builds them: `manage.py performance_rebuild`
for Jakarta, the same `stats_rebuild` in parallel processes for the others. Each rebuild writes
the Pemda's monthly totals to the sync outbox (`stats.update`), and the sync sweeper delivers
them to the hub, whose handler fills PemdaStatsMonth: the hub holds what 552 Pemda sent.

Measured through the real server (gunicorn, a Celery worker on the broker, beat and the sync
sweeper, as `make run` starts them):
1. `/konsol/kinerja/` signed in as Jakarta's pimpinan, p95 over `--requests` (target ≤ 150 ms);
2. `/konsol/liga/` signed in as a hub operator, p95 (target ≤ 300 ms);
3. freshness: an officer's final answer posted through the API, then the seconds until the
   dashboard's "belum dijawab" and the hub league's Jakarta row count it (target ≤ 60 s each);
4. the same ranking computed by scanning complaints_report (the naive GROUP BY), its time and
   its ratio to the ranking page's p95.

Targets not met are printed as "NOT met"; the last line is the JSON summary.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg2

from tests.bench.bench_portal import NOUNS, PASSWORD, PLACES, STATES, Session, _sql_array, _tracking_sql, sign_in
from tests.bench.common import BIN, REPO, drop_database, env_for, fresh_database, manage, percentile
from tests.sync.federation import Deployment, wait_for

DB = os.environ.get("LAPOR_BENCH_DASHBOARD_DB", "lapor_bench_dashboard")
JAKARTA = "pemda_31"
PORT = int(os.environ.get("LAPOR_BENCH_DASHBOARD_PORT", "8131"))
TARGETS = {"ranking_p95_ms": 150.0, "national_p95_ms": 300.0, "freshness_pemda_s": 60.0, "freshness_hub_s": 60.0}
SPAN_DAYS = 1095  # three years of arrivals
MONTHS_WHOLE = 36  # the longest period the dashboard accepts (performance.selectors.MAX_MONTHS)


def log(message: str) -> None:
    print(f"bench-dashboard: {message}", flush=True)


# --- seeding by SQL ------------------------------------------------------------------------------------


def _unit_and_category_ids(cur: Any) -> tuple[list[int], list[int]]:
    # Reports are disposed to the SKPD, their bidang and the kecamatan; a kelurahan or seksi rarely
    # receives one directly.
    cur.execute(
        "SELECT array_agg(id ORDER BY id) FROM agencies_unit WHERE is_active AND kind NOT IN ('kelurahan', 'seksi')"
    )
    units = cur.fetchone()[0]
    cur.execute("SELECT array_agg(id ORDER BY id) FROM complaints_category WHERE is_active")
    return units, cur.fetchone()[0]


def seed_reports(cur: Any, schema: str, count: int, *, offset: int, region: str, places: list[str]) -> None:
    """`count` reports of three years in `schema`, with their follow-ups, breaches, clocks and reopenings.

    Each report draws its category (a few common ones, a long tail), a unit among the three that
    usually take that category, a verification delay, and first-response and answer delays whose
    means follow the unit's speed and the category's difficulty, so units differ and some miss
    the 5-working-day response deadline. What has not happened by now is not yet done: a recent
    report may still wait for verification, a response or its answer. Old reports are closed
    except a stuck 1.5 %, the backlog.
    """
    cur.execute(f"SET search_path TO {schema}, public")
    units, categories = _unit_and_category_ids(cur)
    unit_array = "ARRAY[" + ",".join(map(str, units)) + "]::bigint[]"
    cat_array = "ARRAY[" + ",".join(map(str, categories)) + "]::bigint[]"
    title = (
        f"({_sql_array(NOUNS)})[1 + (i * 7) % {len(NOUNS)}] || ' '"
        f" || ({_sql_array(STATES)})[1 + (i * 3) % {len(STATES)}]"
        f" || ' di ' || ({_sql_array(places)})[1 + (i * 11) % {len(places)}] || ' ' || (i % 997)::text"
    )
    text = (
        f"'Sudah ' || (1 + i % 9)::text || ' minggu ' || lower(({_sql_array(NOUNS)})[1 + (i * 5) % {len(NOUNS)}])"
        f" || ' ' || ({_sql_array(STATES)})[1 + i % {len(STATES)}] || '. Mohon segera ditindaklanjuti oleh petugas.'"
    )
    kecamatan = f"({_sql_array(places)})[1 + (i * 13) % {len(places)}]" if places else "''"
    cur.execute("SELECT setseed(%s)", (((offset % 1000) / 1000.0),))
    cur.execute(
        f"""
        INSERT INTO complaints_report (
            tracking_id, type, category_id, original_category_id, title, original_title, text, address, kecamatan,
            kelurahan, region_code, channel, privacy, language, reporter_name, reporter_phone, reporter_email,
            reporter_nik, reporter_token_hash, status, unit_id, submitted_at, verified_at, disposed_at,
            first_response_at, answered_at, closed_at, verify_due_at, response_due_at, autoclose_due_at,
            paused_days_left, deferred_question, archive_reason, rating, rating_comment, version)
        WITH base AS MATERIALIZED (
            SELECT i, at, r1, r2, r3, r4, r5, r6, 1 + floor(power(r1, 1.7) * {len(categories)})::int AS ci
            FROM (
                SELECT i, now() - interval '10 minutes'
                        - interval '{SPAN_DAYS} days' * ((({count} - i) + random()) / {count}) AS at,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6
                FROM generate_series(1, {count}) AS i
            ) s
        ), planned AS MATERIALIZED (
            SELECT b.*, u.ui,
                   0.4 + 2.2 * ((u.ui * 37) % 11) / 10.0 AS su,
                   0.6 + 1.4 * ((b.ci * 13) % 7) / 6.0 AS dc,
                   b.at + interval '1 hour' * (0.5 + 70 * b.r4 * b.r4) AS v_at
            FROM base b, LATERAL (SELECT 1 + ((b.ci * 7 + floor(b.r2 * 3)::int) % {len(units)}) AS ui) u
        ), timed AS MATERIALIZED (
            SELECT p.*, p.v_at + interval '5 minutes' AS d_at,
                   p.v_at + interval '5 minutes' + interval '1 hour' * (1 + 30 * p.su * p.dc * -ln(1 - 0.999 * p.r5))
                       AS f_at,
                   p.v_at + interval '5 minutes' + interval '1 hour' * (1 + 30 * p.su * p.dc * -ln(1 - 0.999 * p.r5))
                       + interval '1 hour' * (2 + 48 * p.su * -ln(1 - 0.999 * p.r6)) AS a_at,
                   p.i % 67 = 0 AS stuck
            FROM planned p
        ), fated AS MATERIALIZED (
            SELECT t.*,
                CASE WHEN t.r3 < 0.04 THEN 'archived' WHEN t.r3 < 0.09 THEN 'referred'
                     WHEN t.v_at > now() THEN CASE WHEN t.r2 < 0.1 THEN 'deferred' ELSE 'submitted' END
                     WHEN t.stuck OR t.a_at > now() THEN 'disposed'
                     WHEN t.a_at + interval '14 days' > now() THEN 'answered'
                     ELSE 'closed' END AS status
            FROM timed t
        )
        SELECT {_tracking_sql(f"(i + {offset})::bigint")}, 'pengaduan', c, c, {title}, {title}, {text}, '', {kecamatan},
            '', '{region}', 'web',
            CASE WHEN i % 10 < 4 THEN 'public' WHEN i % 10 < 7 THEN 'anonim' WHEN i % 10 < 9 THEN 'rahasia'
                 ELSE 'anonim_rahasia' END,
            'id', '', '', '', '', encode(sha256(('t' || i::text || '-{offset}')::bytea), 'hex'), status,
            CASE WHEN worked THEN ({unit_array})[ui] END, at,
            CASE WHEN worked THEN v_at END,
            CASE WHEN worked THEN d_at END,
            CASE WHEN status IN ('answered', 'closed') OR (status = 'disposed' AND NOT stuck AND f_at <= now())
                 THEN f_at END,
            CASE WHEN status IN ('answered', 'closed') THEN a_at END,
            CASE WHEN status = 'closed' THEN a_at + interval '14 days' WHEN status = 'archived' THEN v_at END,
            at + interval '4 days',
            CASE WHEN worked THEN d_at + interval '7 days' END,
            CASE WHEN status = 'answered' THEN a_at + interval '14 days' END,
            CASE WHEN status = 'deferred' THEN 2 END,
            CASE WHEN status = 'deferred' THEN 'Mohon sebutkan lokasi yang lebih tepat.' ELSE '' END,
            CASE WHEN status = 'archived' THEN 'Bukan pengaduan.' ELSE '' END,
            CASE WHEN status = 'closed' AND r2 < 0.45 THEN greatest(1, least(5, round(
                5.4 - extract(epoch FROM f_at - d_at) / 144000 + (r1 - 0.5) * 2)))::smallint END,
            '', 1
        FROM (SELECT f.*, ({cat_array})[ci] AS c, f.status IN ('disposed', 'answered', 'closed') AS worked
              FROM fated f) g
        """
    )
    cur.execute(
        "INSERT INTO complaints_disposition (report_id, from_unit_id, to_unit_id, by_user_id, note, created_at)"
        " SELECT id, NULL, unit_id, 1, '', disposed_at FROM complaints_report WHERE unit_id IS NOT NULL"
        " AND id NOT IN (SELECT report_id FROM complaints_disposition)"
    )
    cur.execute(
        "INSERT INTO complaints_followup (report_id, author_kind, author_user_id, unit_id, text, is_final, created_at)"
        " SELECT id, 'officer', 1, unit_id, 'Laporan sudah kami terima dan sedang ditindaklanjuti.', false,"
        " first_response_at FROM complaints_report WHERE first_response_at IS NOT NULL"
        " AND (answered_at IS NULL OR answered_at > first_response_at)"
    )
    cur.execute(
        "INSERT INTO complaints_followup (report_id, author_kind, author_user_id, unit_id, text, is_final, created_at)"
        " SELECT id, 'officer', 1, unit_id, 'Sudah kami tangani: petugas datang dan memperbaiki di lokasi.', true,"
        " answered_at FROM complaints_report WHERE answered_at IS NOT NULL"
    )
    # Missed first-response deadlines: answered late, or still open past the deadline.
    cur.execute(
        "INSERT INTO complaints_slabreach (report_id, unit_id, kind, due_at, detected_at, escalation_level)"
        " SELECT id, unit_id, 'response', response_due_at, response_due_at + interval '1 minute', 1"
        " FROM complaints_report WHERE response_due_at IS NOT NULL AND (first_response_at > response_due_at"
        " OR (first_response_at IS NULL AND response_due_at < now()))"
    )
    # The open clocks in the public deadline index; one already past has been escalated to the
    # end (nothing left for the scan to do), one still running waits for its due time.
    cur.execute(
        "INSERT INTO public.deadlines_duedeadline (schema_name, report_id, kind, due_at, stage, next_action_at)"
        " SELECT current_schema(), id, kind, due,"
        " CASE WHEN due < now() THEN 4 ELSE 0 END, CASE WHEN due < now() THEN NULL ELSE due END"
        " FROM (SELECT id, 'response' AS kind, response_due_at AS due FROM complaints_report"
        "       WHERE status = 'disposed' AND first_response_at IS NULL"
        "       UNION ALL SELECT id, 'verify', verify_due_at FROM complaints_report WHERE status = 'submitted'"
        "       UNION ALL SELECT id, 'autoclose', autoclose_due_at FROM complaints_report WHERE status = 'answered'"
        " ) clocks"
    )
    # Some reporters reopened an answer before it closed: a real event of the audit chain.
    cur.execute(
        "SELECT count(complaints_audit_append(answered_at + interval '2 days', NULL, 'pelapor', id, 'reopened',"
        " '{}'::jsonb)) FROM (SELECT id, answered_at FROM complaints_report WHERE status = 'closed'"
        " AND id % 33 = 0 ORDER BY id) r"
    )


def _drop_report_indexes(cur: Any) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'complaints_report'"
        " AND indexname NOT LIKE '%%_pkey'",
        (JAKARTA,),
    )
    indexes = cur.fetchall()
    for name, _definition in indexes:
        if name == "report_tracking_id_unique":
            cur.execute(f"ALTER TABLE {JAKARTA}.complaints_report DROP CONSTRAINT {name}")
        else:
            cur.execute(f"DROP INDEX {JAKARTA}.{name}")
    return indexes


def seed_jakarta(url: str, count: int) -> float:
    """The million reports of DKI Jakarta, its report indexes dropped during the load and rebuilt."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    started = time.monotonic()
    cur.execute(f"SET search_path TO {JAKARTA}, public")
    # A regional holiday each year (CalendarDay): the working-time measures skip it.
    cur.execute(
        "INSERT INTO complaints_calendarday (date, kind, name) SELECT d, 'holiday', 'HUT Kota Jakarta'"
        " FROM (VALUES (date '2024-06-21'), (date '2025-06-23'), (date '2026-06-22')) v(d) ON CONFLICT DO NOTHING"
    )
    indexes = _drop_report_indexes(cur)
    seed_reports(cur, JAKARTA, count, offset=1_000_003, region="31.71", places=PLACES)
    loaded = time.monotonic() - started
    cur.execute(f"SET search_path TO {JAKARTA}, public")
    for name, definition in indexes:
        if name == "report_tracking_id_unique":
            cur.execute(f"ALTER TABLE complaints_report ADD CONSTRAINT {name} UNIQUE (tracking_id)")
        else:
            cur.execute(definition)
    for table in ("complaints_report", "complaints_followup", "complaints_disposition", "complaints_slabreach"):
        cur.execute(f"ANALYZE {table}")
    cur.execute("ANALYZE public.deadlines_duedeadline")
    conn.close()
    seconds = time.monotonic() - started
    log(f"seeded {count:,} reports in Jakarta in {loaded:.1f} s, indexes rebuilt in {seconds - loaded:.1f} s")
    return seconds


def seed_others(url: str, total: int, threads: int = 2) -> int:
    """`total` reports spread over every other Pemda: more for a province or a big kota, fewer for a small one."""
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    cur.execute(
        "SELECT schema_name, code FROM public.tenants_pemda WHERE kind <> 'hub' AND schema_name <> %s"
        " AND status = 'live' ORDER BY code",
        (JAKARTA,),
    )
    pemda = cur.fetchall()
    conn.close()
    if not pemda or total <= 0:
        return 0
    # Weights 1..3 by code, so Pemda differ in size; they add up to `total`.
    weights = [1 + (sum(map(ord, code)) % 3) for _schema, code in pemda]
    counts = [max(1, total * w // sum(weights)) for w in weights]
    counts[0] += total - sum(counts)

    def one(job: tuple[int, tuple[str, str], int]) -> None:
        index, (schema, code), count = job
        local = psycopg2.connect(url)
        local.autocommit = True
        seed_reports(local.cursor(), schema, count, offset=10_000_000 + index * 100_000, region=code, places=[code])
        local.close()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, [(k, p, n) for k, (p, n) in enumerate(zip(pemda, counts, strict=True))]))
    log(f"seeded {sum(counts):,} reports over {len(pemda)} other Pemda in {time.monotonic() - started:.1f} s")
    return sum(counts)


# --- phases inside Django (own processes) ----------------------------------------------------------------


def _django() -> None:
    import django

    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    django.setup()


def phase_setup(spec: dict[str, Any]) -> None:
    """Users: Jakarta's pimpinan and its admin (who answers in the freshness rounds), a hub operator."""
    _django()
    from django.contrib.auth.models import User

    from accounts.models import Membership, Role
    from tenants.models import Pemda, PemdaKind
    from tests.two_factor import otp_enrol

    jakarta = Pemda.objects.get(code="31")
    hub = Pemda.objects.get(kind=PemdaKind.HUB)
    for username, tenant, role in (
        ("bench-pimpinan", jakarta, Role.PIMPINAN),
        ("bench-admin", jakarta, Role.TENANT_ADMIN),
        ("bench-hub", hub, Role.HUB_OPERATOR),
    ):
        user = User.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, tenant=tenant, role=role)
        otp_enrol(user)  # they sign in with the second step (bench_portal.sign_in)


def phase_codes(spec: dict[str, Any]) -> None:
    """The first `count` Pemda codes of the decree besides Jakarta (for a smaller run)."""
    _django()
    from tenants.regions import regions_all

    codes = [r.code for r in regions_all() if r.code != "31"][: spec["count"]]
    print(json.dumps(codes))


def phase_rebuild(spec: dict[str, Any]) -> None:
    """performance.aggregate.stats_rebuild in each schema of the list (what performance_rebuild does)."""
    _django()
    from django_tenants.utils import tenant_context

    from performance.aggregate import stats_rebuild
    from sync import outbox
    from tenants.models import Pemda

    # The sweeper delivers the totals; no task per Pemda is queued for it.
    outbox.QUEUE_ON_COMMIT = False
    for pemda in Pemda.objects.filter(schema_name__in=spec["schemas"]).order_by("schema_name"):
        with tenant_context(pemda):
            stats_rebuild()


# --- the driver ------------------------------------------------------------------------------------------


def _phase(env: dict[str, str], name: str, spec: dict[str, Any]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_dashboard", "phase", name, json.dumps(spec)],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def _rabbit_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def _query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())
    finally:
        conn.close()


def _months_ago(today: date, months: int) -> date:
    """First day of the month `months - 1` before this one (performance.measures.first_day_of_months_ago)."""
    year, month = today.year, today.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


NAIVE_SQL = f"""
SELECT r.unit_id, r.category_id, count(*) AS received,
       count(*) FILTER (WHERE r.disposed_at IS NOT NULL) AS disposed,
       count(r.first_response_at) AS first_n,
       count(*) FILTER (WHERE r.first_response_at <= r.response_due_at) AS first_on_time,
       count(r.answered_at) AS answered,
       count(*) FILTER (WHERE r.status IN ('answered', 'closed')) AS completed,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {JAKARTA}.complaints_auditevent e
                                      WHERE e.report_id = r.id AND e.action = 'reopened')) AS reopened,
       coalesce(sum(r.rating), 0) AS rating_sum, count(r.rating) AS rating_n,
       coalesce(sum(b.n), 0) AS breaches,
       count(*) FILTER (WHERE r.status = 'disposed') AS open,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY r.first_response_at - r.disposed_at) AS first_q,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.answered_at - r.disposed_at) AS answer_median
FROM {JAKARTA}.complaints_report r
LEFT JOIN (SELECT report_id, count(*) AS n FROM {JAKARTA}.complaints_slabreach WHERE kind = 'response'
           GROUP BY report_id) b ON b.report_id = r.id
WHERE r.unit_id IS NOT NULL AND r.submitted_at >= %s AND r.submitted_at < %s
GROUP BY r.unit_id, r.category_id
"""


def naive_ranking_ms(url: str, since: date, runs: int = 3) -> tuple[float, int]:
    """The ranking's figures by scanning the reports (elapsed time, not working time: cheaper than the
    real measures); the median of `runs` in ms, and the rows it grouped."""
    times, rows = [], 0
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'Asia/Jakarta'")
            for _ in range(runs):
                started = time.perf_counter()
                cur.execute(NAIVE_SQL, (since, "infinity"))
                rows = len(cur.fetchall())
                times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return statistics.median(times), rows


def measure(session: Session, paths: list[str]) -> list[float]:
    """GET each path in turn with the signed-in session; latency per request in ms, any status but 200 fails."""
    out = []
    for path in paths:
        started = time.perf_counter()
        status, _body = session.request("GET", path)
        out.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    return out


def measure_pair(paths: dict[str, tuple[Session, str]], n: int) -> dict[str, list[float]]:
    """Each page `n` times from two client threads, in three interleaved rounds."""
    out: dict[str, list[float]] = {name: [] for name in paths}
    for _round in range(3):
        for name, (session, path) in paths.items():
            chunk = max(1, n // 3)
            lock = threading.Lock()

            def run(
                k: int, session: Session = session, path: str = path, name: str = name, chunk: int = chunk,
                lock: threading.Lock = lock,
            ) -> None:  # fmt: skip
                client = Session(session.port, session.host)
                client.cookies = dict(session.cookies)
                got = measure(client, [path] * (chunk // 2 + (k < chunk % 2)))
                with lock:
                    out[name].extend(got)

            workers = [threading.Thread(target=run, args=(k,)) for k in range(2)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
    return out


_OPEN_NOW = re.compile(r"Belum dijawab sekarang</dt><dd><a [^>]*>([\d.,\s]+)</a>")


def _number(raw: str) -> int:
    return int(re.sub(r"[^\d]", "", raw))


def dashboard_open(session: Session) -> int:
    status, page = session.request("GET", "/konsol/kinerja/")
    found = _OPEN_NOW.search(page)
    if status != 200 or found is None:
        raise RuntimeError(f"dashboard: {status}, no open count")
    return _number(found.group(1))


def league_open(session: Session, code: str = "31") -> int:
    status, page = session.request("GET", "/konsol/liga/")
    row = re.search(rf'<tr[^>]*data-code="{re.escape(code)}">(.*?)</tr>', page, re.S)
    if status != 200 or row is None:
        raise RuntimeError(f"league: {status}, no row for {code}")
    cells = re.findall(r'data-label="Belum dijawab">([\d.,\s]+)</td>', row.group(1))
    return _number(cells[-1])


def answer(port: int, report_id: int) -> None:
    """The unit's final answer, posted through the officer API (Basic auth as Jakarta's admin)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    token = base64.b64encode(f"bench-admin:{PASSWORD}".encode()).decode()
    body = json.dumps({"text": "Sudah diperbaiki oleh petugas kami hari ini. Terima kasih.", "final": True})
    conn.request(
        "POST",
        f"/api/v1/officer/reports/{report_id}/followups/",
        body=body,
        headers={"Host": "jakarta.localhost", "Content-Type": "application/json", "Authorization": f"Basic {token}"},
    )
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"follow-up on {report_id}: {response.status} {raw[:300]!r}")


def freshness(
    port: int, pimpinan: Session, hub: Session, report_id: int, timeout: float
) -> tuple[float | None, float | None]:
    """Seconds from the answer's commit until the dashboard, and the hub's league table, count it."""
    before_pemda, before_hub = dashboard_open(pimpinan), league_open(hub)
    answer(port, report_id)
    committed = time.monotonic()  # the API answers after its transaction committed
    seen: dict[str, float] = {}
    while len(seen) < 2 and time.monotonic() - committed < timeout:
        if "pemda" not in seen and dashboard_open(pimpinan) < before_pemda:
            seen["pemda"] = time.monotonic() - committed
        if "hub" not in seen and league_open(hub) < before_hub:
            seen["hub"] = time.monotonic() - committed
        time.sleep(0.2)
    return seen.get("pemda"), seen.get("hub")


def _database_url(base_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _kept_database_ready(base_url: str) -> bool:
    """True when a --keep run finished seeding DB (it leaves a marker table behind)."""
    try:
        rows = _query(_database_url(base_url, DB), "SELECT to_regclass('public.bench_dashboard_kept') IS NOT NULL")
    except psycopg2.Error:
        return False
    return bool(rows[0][0])


def _mark_kept(url: str) -> None:
    try:
        conn = psycopg2.connect(url)
        conn.autocommit = True
        conn.cursor().execute(
            "CREATE TABLE IF NOT EXISTS public.bench_dashboard_kept (kept_at timestamptz DEFAULT now())"
        )
        conn.close()
    except psycopg2.Error:
        pass


def _national_total(url: str) -> int:
    total = 0
    for (schema,) in _query(
        url, "SELECT schema_name FROM public.tenants_pemda WHERE kind <> 'hub' AND status = 'live'"
    ):
        total += int(_query(url, f"SELECT count(*) FROM {schema}.complaints_report")[0][0])
    return total


def _verdict(name: str, value: float | None) -> str:
    target = TARGETS[name]
    if value is None:
        return f"NOT met (never seen within the wait; target ≤ {target:g})"
    return f"target met (≤ {target:g})" if value <= target else f"NOT met (target ≤ {target:g})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports of DKI Jakarta")
    parser.add_argument("--national", type=int, default=2_200_000, help="reports of all Pemda, Jakarta's included")
    parser.add_argument("--pemda", type=int, default=552, help="Pemda onboarded, Jakarta included")
    parser.add_argument("--requests", type=int, default=300, help="requests per measured page")
    parser.add_argument("--rounds", type=int, default=3, help="freshness rounds")
    parser.add_argument("--wait", type=float, default=180.0, help="seconds a freshness round waits at most")
    parser.add_argument("--rebuilders", type=int, default=1, help="processes rebuilding the other Pemda's sums")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB} afterwards (to look into it)")
    parser.add_argument(
        "--reuse", action="store_true",
        help=f"measure on what a --keep run left in {DB} (no seeding or rebuild; for profiling, not the README)",
    )  # fmt: skip
    args = parser.parse_args()

    base = os.environ["DATABASE_URL"]
    reuse = args.reuse and _kept_database_ready(base)
    url = _database_url(base, DB) if reuse else fresh_database(base, DB)
    run = uuid.uuid4().hex[:6]
    started_all = time.monotonic()
    var = os.path.join(
        os.environ.get("LAPOR_VAR_DIR", str(REPO / "var")), DB.replace("lapor_bench_", "bench-").replace("_", "-")
    )
    os.makedirs(os.path.join(var, "static"), exist_ok=True)
    env = env_for(url, LAPOR_VAR_DIR=var, CELERY_TASK_DEFAULT_QUEUE=f"bench-dashboard-{run}")
    if _rabbit_up():
        env["CELERY_BROKER_URL"] = "amqp://guest:guest@127.0.0.1:5672//"
    deployment = Deployment(name="dashboard", database_url=url, env=env, port=PORT)
    result: dict[str, Any] = {}
    try:
        if reuse:
            log(f"reusing the kept database {DB} (--reuse): seeding and rebuild skipped")
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            pemda_count_n = int(
                _query(url, "SELECT count(*) FROM public.tenants_pemda WHERE kind <> 'hub' AND status = 'live'")[0][0]
            )
            national_reports = _national_total(url)
            rebuild_jakarta_s = None
        else:
            manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
            manage(env, "seed_pilot", "--credentials-file", os.path.join(var, "admin.txt"))
            manage(env, "broker_prepare")
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            step = time.monotonic()
            if args.pemda >= 552:
                selection = ["--all"]
            else:
                selection = json.loads(_phase(env, "codes", {"count": args.pemda - 1}).strip().splitlines()[-1])
            manage(env, "onboard_pemda", *selection)
            pemda_count = _query(
                url, "SELECT count(*) FROM public.tenants_pemda WHERE kind <> 'hub' AND status = 'live'"
            )
            pemda_count_n = int(pemda_count[0][0])
            log(f"{pemda_count_n} Pemda onboarded in {time.monotonic() - step:.1f} s")
            _phase(env, "setup", {})

            seed_jakarta(url, args.reports)
            others = seed_others(url, args.national - args.reports)
            national_reports = args.reports + others

            # Jakarta's rebuild (the management command) beside the others' (the same function in
            # --rebuilders processes of this script), so the two cores are both busy.
            step = time.monotonic()
            schemas = [
                row[0]
                for row in _query(
                    url,
                    "SELECT schema_name FROM public.tenants_pemda WHERE kind <> 'hub' AND status = 'live'"
                    " AND schema_name <> %s ORDER BY schema_name",
                    (JAKARTA,),
                )
            ]
            jakarta_rebuild = subprocess.Popen(
                [sys.executable, str(REPO / "manage.py"), "performance_rebuild", "--schema", JAKARTA],
                env=env, cwd=REPO, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            rebuilders = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.bench.bench_dashboard",
                        "phase",
                        "rebuild",
                        json.dumps({"schemas": schemas[k :: args.rebuilders]}),
                    ],
                    env=env,
                    cwd=REPO,
                )
                for k in range(args.rebuilders)
            ]
            finished: dict[str, float] = {}
            while len(finished) < 1 + len(rebuilders):
                for name, proc in (
                    ("jakarta", jakarta_rebuild),
                    *((f"others{k}", p) for k, p in enumerate(rebuilders)),
                ):
                    if name not in finished and proc.poll() is not None:
                        if proc.returncode != 0:
                            raise RuntimeError(f"the rebuild {name} failed (exit {proc.returncode})")
                        finished[name] = time.monotonic() - step
                time.sleep(0.5)
            rebuild_jakarta_s = finished.pop("jakarta")
            log(f"Jakarta's aggregates rebuilt (performance_rebuild, beside the others) in {rebuild_jakarta_s:.1f} s")
            log(f"the other {len(schemas)} Pemda's aggregates rebuilt in {max(finished.values(), default=0.0):.1f} s")

            # The totals travel as stats.update through the sync outbox, delivered by the sweeper; a
            # Pemda without reports has no month to send.
            reporting = 1 + (len(schemas) if others else 0)
            step = time.monotonic()
            sweeper = deployment.sweeper()
            wait_for(
                lambda: (
                    _query(url, "SELECT count(DISTINCT pemda_code) FROM public.national_hub_pemdastatsmonth")[0][0]
                    >= reporting
                ),
                timeout=600,
                what="every Pemda's totals at the hub",
                every=0.5,
            )
            deployment.stop(sweeper)
            months_at_hub = _query(url, "SELECT count(*) FROM public.national_hub_pemdastatsmonth")[0][0]
            log(f"{reporting} Pemda's totals delivered to the hub ({months_at_hub} Pemda-months) in "
                f"{time.monotonic() - step:.1f} s")  # fmt: skip
            conn = psycopg2.connect(url)
            conn.autocommit = True
            conn.cursor().execute("VACUUM ANALYZE")
            conn.close()

        today = datetime.now(ZoneInfo("Asia/Jakarta")).date()  # the dashboard's months are Jakarta's
        since_default = _months_ago(today, 6)
        since_whole = _months_ago(today, MONTHS_WHOLE)
        naive_ms, naive_rows = naive_ranking_ms(url, since_default)
        naive_whole_ms, _rows = naive_ranking_ms(url, since_whole)
        in_period = _query(url, f"SELECT count(*) FROM {JAKARTA}.complaints_report WHERE submitted_at >= %s",
                           (since_default,))[0][0]  # fmt: skip
        log(f"naive ranking by scanning the reports: {naive_ms:.0f} ms for the default six months "
            f"({in_period:,} reports, {naive_rows} unit x category groups), {naive_whole_ms:.0f} ms for 36 months"
        )  # fmt: skip

        # Production's processes: web, a worker, beat and the sync sweeper.
        deployment.web()
        deployment.spawn(
            str(BIN / "celery"), "-A", "lapor", "worker", "-l", "warning", "--concurrency", "2",
            "-n", f"bench-dashboard-{run}@%h",
        )  # fmt: skip
        deployment.spawn(
            str(BIN / "celery"), "-A", "lapor", "beat", "-l", "warning",
            "-s", os.path.join(var, "celerybeat-schedule"), "--pidfile", "",
        )  # fmt: skip
        deployment.spawn(sys.executable, str(REPO / "manage.py"), "sync_sweeper", "--interval", "2")
        pimpinan = sign_in(PORT, "jakarta.localhost", "bench-pimpinan")
        hub = sign_in(PORT, "localhost", "bench-hub")
        whole = f"/konsol/kinerja/?dari={since_whole:%Y-%m}"
        pages = {
            "ranking": (pimpinan, "/konsol/kinerja/"),
            "national": (hub, "/konsol/liga/"),
            "ranking_36m": (pimpinan, whole),
        }
        for session, path in pages.values():
            measure(session, [path] * 5)  # warm up
        timings = measure_pair(pages, args.requests)
        p95 = {name: round(percentile(values, 95), 1) for name, values in timings.items()}
        for name, values in timings.items():
            log(f"{name:12s} p50 {percentile(values, 50):7.1f} ms  p95 {p95[name]:7.1f} ms  ({len(values)} requests)")

        targets = _query(
            url,
            f"SELECT id FROM {JAKARTA}.complaints_report WHERE status = 'disposed' AND submitted_at >= %s"
            " ORDER BY id DESC LIMIT %s",
            (_months_ago(today, 2), args.rounds),
        )
        fresh_pemda: list[float | None] = []
        fresh_hub: list[float | None] = []
        for (report_id,) in targets:
            at_pemda, at_hub = freshness(PORT, pimpinan, hub, report_id, args.wait)
            fresh_pemda.append(at_pemda)
            fresh_hub.append(at_hub)
            log(f"freshness of report {report_id}: dashboard {at_pemda if at_pemda is None else round(at_pemda, 1)} s,"
                f" hub league {at_hub if at_hub is None else round(at_hub, 1)} s")  # fmt: skip

        def worst(values: list[float | None]) -> float | None:
            return None if not values or any(v is None for v in values) else round(max(v for v in values if v), 1)

        def median(values: list[float | None]) -> float | None:
            seen = [v for v in values if v is not None]
            return round(statistics.median(seen), 1) if seen else None

        ranking_p95 = p95["ranking"]
        result = {
            "bench": "dashboard",
            "reports": args.reports,
            "ranking_p95_ms": ranking_p95,
            "national_p95_ms": p95["national"],
            "pemda_count": pemda_count_n,
            "national_reports": national_reports,
            "freshness_pemda_s": worst(fresh_pemda),
            "freshness_hub_s": worst(fresh_hub),
            "freshness_pemda_median_s": median(fresh_pemda),
            "freshness_hub_median_s": median(fresh_hub),
            "naive_ms": round(naive_ms, 1),
            "naive_ranking_ms": round(naive_ms, 1),
            "naive_ratio": round(naive_ms / ranking_p95, 1) if ranking_p95 else None,
            "ranking_36m_p95_ms": p95["ranking_36m"],
            "naive_36m_ms": round(naive_whole_ms, 1),
            "rebuild_jakarta_s": None if rebuild_jakarta_s is None else round(rebuild_jakarta_s, 1),
            "reused": reuse,
            "total_s": round(time.monotonic() - started_all, 1),
        }
        for name in TARGETS:
            log(f"{name} = {result[name]}: {_verdict(name, result[name])}")
    finally:
        deployment.stop_all()
        if not args.keep:
            drop_database(base, DB)
        else:
            _mark_kept(url)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "phase":
        {"setup": phase_setup, "codes": phase_codes, "rebuild": phase_rebuild}[sys.argv[2]](json.loads(sys.argv[3]))
    else:
        raise SystemExit(main())
