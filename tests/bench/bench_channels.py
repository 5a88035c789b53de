"""`make bench-channels`: the citizen channels through the real server, in one run.

A database of its own (`lapor_bench_channels`, dropped afterwards): the pilot seeded, DKI
Jakarta's SMS number mapped, then a million reports written into Jakarta's schema as
`make bench-portal` writes them (tests/bench/bench_portal.py). gunicorn serves the platform, a
Celery worker on the production broker (RabbitMQ on 127.0.0.1:5672, a queue of this run's own;
kombu's SQLAlchemy transport where RabbitMQ is not running) sends the replies, and a real Kannel
(bearerbox, smsbox and the fake SMSC of tests/channels/kannel.py) carries the SMS.

1. SMS intake against the JSON API: `GET /channels/kannel/sms/?key=…&from=…&to=…&text=LAPOR …&id=…`
   as Kannel's smsbox calls it, against `POST /api/v1/reports/` with the same texts, in rounds
   taken in ABBA order (as `make bench-intake`). Every request has a sender and a message id of
   its own, so the per-number daily limit and the gateway's dedup never answer instead of the
   intake (the limit is also raised for the run); SMS has no first-message confirmation (only
   the providers in LAPOR_CHANNEL_CONFIRM_FIRST do; this run names WhatsApp alone, the default).
   Each path's receipt is written in its request and sent by the worker (the SMS reply through
   Kannel's sendsms, the API's e-mail receipt to files; both relays flush every 0.2 s); after
   each round the run waits until the worker has sent everything, so no round pays for
   another's, and each pays for its own: a path's rate is its requests over the round's seconds
   and the seconds its receipts took to leave after it. (Counting the requests alone let the API
   leave a quarter of its e-mails to after its 3-to-10-second rounds, a backlog that grows
   without end at that rate, while the SMS replies kept up within theirs.) sms_vs_api = SMS
   reports/s / API reports/s, receipts included; the ratio of the requests alone is printed
   too. Target ≥ 0.8.
2. Reply latency: the fake SMSC injects "LAPOR …" from a new number every 1/rate seconds; the
   time from writing the MO into the fake SMSC until the fake SMSC prints the tracking-ID reply
   (the MT leaving Kannel). sms_reply_p99_ms. Target ≤ 2,000 ms.
3. Open311 GeoReport v2 `GET requests` on Jakarta (1,000,000 reports): a `service_code` from
   `services.json` and a `start_date`/`end_date` window of 7 to 90 days somewhere in the three years
   of reports, in JSON (`/open311/v2/requests.json`) and XML (`/open311/v2/requests.xml`),
   interleaved. p95 of each. Target ≤ 100 ms each. Skipped, with a note, where the routes answer 404.

Without Kannel's binaries part 2 is skipped with a note (part 1 then calls the webhook without a
gateway to send the replies to); LAPOR_REQUIRE_KANNEL=1 makes that an error. The last line is the
JSON summary.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from multiprocessing import Pool
from typing import Any

import psycopg2

from tests.bench.bench_portal import NOUNS, PLACES, STATES, seed
from tests.bench.common import (
    BIN,
    REPO,
    LoadResult,
    drop_database,
    env_for,
    fresh_database,
    gunicorn,
    manage,
    percentile,
)
from tests.channels.kannel import (
    BEARERBOX,
    FAKESMSC,
    SENDSMS_PASSWORD,
    SENDSMS_USER,
    SMSBOX,
    _wait_for_port,
    kannel_ports,
    running_kannel,
    sendsms_url,
)
from tests.helpers import free_port

DB = "lapor_bench_channels"
SCHEMA = "pemda_31"
KEY = "kunci-bench-kannel"
NUMBER = "6281100000031"  # Jakarta's own SMS number, as the operator's SMSC hands it over
HUB_HOST, PEMDA_HOST = "localhost", "jakarta.localhost"  # smsbox calls the hub's host, as deploy/kannel does
TARGETS = {"sms_vs_api": (">=", 0.8), "sms_reply_p99_ms": ("<=", 2000.0)}
OPEN311_TARGET_MS = 100.0


def _texts() -> list[str]:
    """Reports as citizens text them: short, no more than a title's 80 characters (so title == text)."""
    rng = random.Random(11)
    texts = []
    for _ in range(64):
        text = f"{rng.choice(NOUNS)} {rng.choice(STATES)} di {rng.choice(PLACES)}, sudah {rng.randint(2, 9)} hari"
        texts.append(text[:80])
    return texts


TEXTS = _texts()


def _request(kind: str, tag: int, thread: int, n: int, run: str) -> tuple[str, str, bytes | None, dict[str, str]]:
    """One request of `kind`: its own sender (15 digits, E.164's most) and message id."""
    sender = f"6285{tag:04d}{thread:02d}{n:05d}"
    text = TEXTS[(tag * 7 + thread * 3 + n) % len(TEXTS)]
    if kind == "sms":
        query = urllib.parse.urlencode(
            {"key": KEY, "from": sender, "to": NUMBER, "text": f"LAPOR {text}", "id": f"{run}-{tag}-{thread}-{n}",
             "time": str(int(time.time()))}
        )  # fmt: skip
        return "GET", f"/channels/kannel/sms/?{query}", None, {"Host": HUB_HOST}
    body = {
        "type": "pengaduan",
        "category": "pelayanan-publik",
        "title": text,
        "text": text,
        "privacy": "anonim_rahasia",
        "reporter_phone": "+" + sender,
        "reporter_email": f"w{sender}@example.id",
    }
    headers = {"Host": PEMDA_HOST, "Content-Type": "application/json"}
    return "POST", "/api/v1/reports/", json.dumps(body).encode(), headers


def _load_worker(args: tuple[str, int, int, float, int, str]) -> tuple[int, int, list[float], list[str]]:
    kind, port, tag, seconds, threads, run = args
    done, errors, latencies, samples = [0], [0], [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(thread: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            method, path, body, headers = _request(kind, tag, thread, n, run)
            n += 1
            started = time.perf_counter()
            why = ""
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read()
                conn.close()
                if kind == "sms":
                    # Filed, not limited, asked to confirm or taken as a repeat.
                    outcome = response.getheader("X-Lapor-Outcome", "")
                    if response.status != 200 or outcome != "report":
                        why = f"{response.status} {outcome}: {text[:200]!r}"
                elif response.status != 201:
                    why = f"{response.status}: {text[:200]!r}"
            except OSError as exc:
                why = str(exc)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if not why:
                    done[0] += 1
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
                    if len(samples) < 3:
                        samples.append(why)

    pool = [threading.Thread(target=loop, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return done[0], errors[0], latencies, samples


def load(
    kind: str, *, port: int, tag: int, seconds: float, concurrency: int, run: str, processes: int = 2
) -> LoadResult:
    per = max(1, concurrency // processes)
    started = time.monotonic()
    with Pool(processes) as pool:
        parts = pool.map(_load_worker, [(kind, port, tag * processes + k, seconds, per, run) for k in range(processes)])
    result = LoadResult(seconds=time.monotonic() - started)
    for done, errors, latencies, samples in parts:
        result.requests += done
        result.errors += errors
        result.latencies_ms.extend(latencies)
        for sample in samples:
            print(f"  {kind} error: {sample}", file=sys.stderr, flush=True)
    return result


def backlog(url: str) -> int:
    """Receipts the worker has still to send: queued SMS replies and pending e-mail notifications."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT (SELECT count(*) FROM {SCHEMA}.channels_outboundmessage WHERE status = 'queued')"
                f" + (SELECT count(*) FROM {SCHEMA}.complaints_notification WHERE status = 'pending')"
            )
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def drain(url: str, timeout: float = 600.0) -> float:
    """Seconds until the worker has sent every receipt (each is a row from its request's commit on,
    whether or not its relay has published it yet)."""
    started = time.monotonic()
    while backlog(url):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the worker did not send the receipts within {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - started


class Phone:
    """The fake SMSC kept connected for the whole run, typed to on its stdin (its interactive mode):
    each line is one MO from a phone; each MT bearerbox routes to it is printed as "Got message".

    In that mode fakesmsc waits on stdin alone (up to 1 s) and reads what bearerbox sent only after
    a line or that timeout, so an empty line (which it skips) is typed every `TICK` seconds while
    replies are awaited: an MT is then printed within that long of reaching it, not up to 1 s later.
    """

    TICK = 0.01

    def __init__(self, port: int) -> None:
        self.proc = subprocess.Popen(
            # -i: the pause after each typed line (1 s by default); the caller sets the pace.
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(port), "-i", "0.001"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.lock = threading.Lock()
        self.first_reply: dict[str, float] = {}  # recipient digits -> monotonic time of its first MT
        self.replies = 0
        self.tail: list[str] = []
        self._write_lock = threading.Lock()
        self._ticking = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while self.proc.poll() is None:
            self._ticking.wait()
            self._write(b"\n")
            time.sleep(self.TICK)

    def _write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass

    def ticking(self, on: bool) -> None:
        if on:
            self._ticking.set()
        else:
            self._ticking.clear()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            at = time.monotonic()
            line = raw.decode(errors="replace")
            with self.lock:
                self.tail = [*self.tail[-19:], line]
                if "Got message" not in line:
                    continue
                self.replies += 1
                # "Got message N: <from to text …>": the reply goes from our number to the citizen.
                found = re.search(r"<\+?\d+ \+?(\d+) ", line)
                if found:
                    self.first_reply.setdefault(found.group(1), at)

    def send(self, sender: str, text: str) -> float:
        at = time.monotonic()
        self._write(f"{sender} {NUMBER} text {text}\n".encode())
        return at

    def stop(self) -> None:
        self._ticking.set()  # let the ticker see the process end
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def reply_latency(phone: Phone, *, messages: int, rate: float, timeout: float = 60.0) -> list[float]:
    """Milliseconds from each MO entering the fake SMSC to its reply leaving Kannel."""
    sent: dict[str, float] = {}
    phone.ticking(True)
    next_at = time.monotonic()
    for i in range(messages):
        sender = f"6289{i:011d}"
        sent[sender] = phone.send(sender, f"LAPOR {TEXTS[i % len(TEXTS)]}")
        next_at += 1 / rate
        time.sleep(max(0.0, next_at - time.monotonic()))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with phone.lock:
            if all(s in phone.first_reply for s in sent):
                break
        time.sleep(0.1)
    phone.ticking(False)
    with phone.lock:
        got = {s: (phone.first_reply[s] - at) * 1000 for s, at in sent.items() if s in phone.first_reply}
        tail = "".join(phone.tail[-5:])
    missing = len(sent) - len(got)
    if missing:
        raise RuntimeError(f"{missing} of {len(sent)} SMS got no reply within {timeout:.0f} s; fakesmsc said:\n{tail}")
    return list(got.values())


def _get(port: int, host: str, path: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, (time.perf_counter() - started) * 1000


def _count(fmt: str, body: bytes) -> int:
    """Requests in an Open311 answer, read by a real parser (a body that does not parse fails the run)."""
    if fmt == "json":
        return len(json.loads(body))
    return len(ET.fromstring(body).findall("request"))  # noqa: S314 - the answer of our own server


def open311(port: int, *, requests: int, rng: random.Random) -> dict[str, list[float]] | None:
    status, body, _ms = _get(port, PEMDA_HOST, "/open311/v2/services.json")
    if status == 404:
        print("open311: /open311/v2/services.json answers 404 (the Open311 app is not here): skipped", flush=True)
        return None
    if status != 200:
        raise RuntimeError(f"open311 services.json: {status} {body[:200]!r}")
    codes = [str(s["service_code"]) for s in json.loads(body)]
    now = datetime.now(UTC)
    paths = []
    for _ in range(requests):
        end = now - timedelta(days=rng.uniform(0, 3 * 365 - 90))
        start = end - timedelta(days=rng.uniform(7, 90))
        paths.append(
            urllib.parse.urlencode(
                {
                    "service_code": rng.choice(codes),
                    "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end_date": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        )
    latencies: dict[str, list[float]] = {"json": [], "xml": []}
    found: dict[str, list[int]] = {"json": [], "xml": []}
    errors: list[str] = []
    lock = threading.Lock()

    def run(chunk: list[str]) -> None:
        for query in chunk:
            for fmt in ("json", "xml"):
                code, answer, ms = _get(port, PEMDA_HOST, f"/open311/v2/requests.{fmt}?{query}")
                with lock:
                    latencies[fmt].append(ms)
                    if code != 200:
                        errors.append(f"{fmt} {query}: {code} {answer[:200]!r}")
                    else:
                        found[fmt].append(_count(fmt, answer))

    for query in paths[:5]:  # warm up
        for fmt in ("json", "xml"):
            _get(port, PEMDA_HOST, f"/open311/v2/requests.{fmt}?{query}")
    workers = [threading.Thread(target=run, args=(paths[k::2],)) for k in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"{len(errors)} Open311 requests failed, e.g. {errors[:3]}")
    for fmt in ("json", "xml"):
        mean = sum(found[fmt]) / len(found[fmt]) if found[fmt] else 0
        print(f"open311 {fmt}: {len(latencies[fmt])} requests, {mean:.0f} service requests per answer on average")
    return latencies


def _rabbit_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def _verdict(value: float | None, op: str, target: float) -> str:
    if value is None:
        return "skipped"
    return "target met" if (value >= target if op == ">=" else value <= target) else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in Jakarta before measuring")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of one measured intake round")
    parser.add_argument("--rounds", type=int, default=6, help="intake rounds per path (an even number pairs them ABBA)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads of the intake rounds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--messages", type=int, default=200, help="SMS of the reply-latency part")
    parser.add_argument("--rate", type=float, default=10.0, help="SMS per second of the reply-latency part")
    parser.add_argument("--requests", type=int, default=300, help="Open311 requests per format")
    args = parser.parse_args()

    kannel = all(p.exists() for p in (BEARERBOX, SMSBOX, FAKESMSC))
    if not kannel and os.environ.get("LAPOR_REQUIRE_KANNEL") == "1":
        print("Kannel (bearerbox, smsbox, fakesmsc) is missing and LAPOR_REQUIRE_KANNEL=1", file=sys.stderr)
        return 2
    run = uuid.uuid4().hex[:8]
    rabbit = _rabbit_up()
    base = os.environ["DATABASE_URL"]
    url = fresh_database(base, DB)
    ports = kannel_ports()
    web_port = free_port()
    queue = f"bench-channels-{run}"
    broker = (
        "amqp://guest:guest@127.0.0.1:5672//"
        if rabbit
        else "sqla+" + url.replace("postgres://", "postgresql+psycopg2://", 1)
    )
    rng = random.Random(5)
    result: dict[str, Any] = {}
    try:
        env = env_for(
            url,
            LAPOR_VAR_DIR=os.path.join(os.environ.get("LAPOR_VAR_DIR", "var"), "bench-channels"),
            CELERY_BROKER_URL=broker,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            LAPOR_KANNEL_SECRET=KEY,
            LAPOR_KANNEL_SENDSMS_URL=sendsms_url(ports) if kannel else "",
            LAPOR_KANNEL_USERNAME=SENDSMS_USER,
            LAPOR_KANNEL_PASSWORD=SENDSMS_PASSWORD,
            LAPOR_CHANNEL_REPORTS_PER_DAY="1000000",
            LAPOR_CHANNEL_CONFIRM_FIRST="whatsapp",
            # The e-mail relay flushes as often as the SMS reply relay (0.2 s), so neither path's
            # receipts wait longer in memory than the other's.
            LAPOR_NOTIFY_FLUSH_MS="200",
        )
        os.makedirs(os.path.join(env["LAPOR_VAR_DIR"], "static"), exist_ok=True)
        manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
        manage(env, "seed_pilot", "--credentials-file", os.path.join(env["LAPOR_VAR_DIR"], "admin.txt"))
        manage(env, "broker_prepare")
        manage(
            env,
            "shell",
            "-c",
            "from tenants.models import ChannelAddress, Pemda;"
            f"ChannelAddress.objects.create(kind='sms', address='+{NUMBER}', tenant=Pemda.objects.get(code='31'))",
        )
        seed(url, args.reports, floor=False)
        print(
            f"broker: {'RabbitMQ' if rabbit else 'SQLAlchemy (RabbitMQ not running)'}, queue {queue}; Kannel:"
            f" {'bearerbox + smsbox + fakesmsc' if kannel else 'absent (replies are not sent; part 2 skipped)'};"
            " LAPOR_CHANNEL_REPORTS_PER_DAY=1000000, first-message confirmation for WhatsApp only (not SMS)",
            flush=True,
        )
        with ExitStack() as stack:
            phone: Phone | None = None
            if kannel:
                stack.enter_context(running_kannel(key=KEY, platform_url=f"http://{HUB_HOST}:{web_port}", ports=ports))
                _wait_for_port(ports["fake"])
                phone = Phone(ports["fake"])
                stack.callback(phone.stop)
            stack.enter_context(gunicorn("lapor.wsgi", web_port, env, args.workers))
            worker = subprocess.Popen(
                [str(BIN / "celery"), "-A", "lapor", "worker", "--concurrency", "2", "-l", "warning",
                 "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                env=env, cwd=REPO, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            stack.callback(_stop, worker)

            # 1. SMS intake vs the JSON API, ABBA.
            for kind in ("sms", "api"):  # warm up both (imports, connections, caches)
                load(kind, port=web_port, tag=99, seconds=1.5, concurrency=2, run=run)
            drain(url)
            sms, api = LoadResult(), LoadResult()
            answered = {"sms": 0.0, "api": 0.0}  # seconds of the rounds and of their receipts' sending
            pair = [("api", api), ("sms", sms)]
            for round_no in range(args.rounds):
                for kind, total in pair if round_no % 2 == 0 else pair[::-1]:
                    got = load(
                        kind, port=web_port, tag=round_no, seconds=args.seconds, concurrency=args.concurrency, run=run
                    )
                    waited = drain(url)
                    total.requests += got.requests
                    total.errors += got.errors
                    total.seconds += got.seconds
                    total.latencies_ms.extend(got.latencies_ms)
                    answered[kind] += got.seconds + waited
                    print(
                        f"round {round_no + 1} {kind}: {got.per_second:7.1f} requests/s, {got.errors} errors,"
                        f" receipts sent {waited:.2f} s after the round:"
                        f" {got.requests / (got.seconds + waited):7.1f} reports/s with their receipts",
                        flush=True,
                    )
            sustained = {kind: (sms if kind == "sms" else api).requests / answered[kind] for kind in answered}
            ratio = sustained["sms"] / sustained["api"] if sustained["api"] else 0.0
            print(
                f"SMS webhook {sms.per_second:.1f} requests/s (p50 {percentile(sms.latencies_ms, 50):.1f} ms, p99"
                f" {percentile(sms.latencies_ms, 99):.1f} ms), JSON API {api.per_second:.1f} requests/s (p50"
                f" {percentile(api.latencies_ms, 50):.1f} ms, p99 {percentile(api.latencies_ms, 99):.1f} ms):"
                f" {sms.per_second / api.per_second if api.per_second else 0.0:.3f} counting requests alone;"
                f" with their receipts {sustained['sms']:.1f} and {sustained['api']:.1f} reports/s:"
                f" sms_vs_api {ratio:.3f} — {_verdict(ratio, *TARGETS['sms_vs_api'])} (≥ 0.8)",
                flush=True,
            )
            result["sms_vs_api"] = round(ratio, 3)
            result["sms_per_s"] = round(sustained["sms"], 1)
            result["api_per_s"] = round(sustained["api"], 1)
            result["sms_requests_vs_api"] = round(sms.per_second / api.per_second, 3) if api.per_second else None
            result["intake_errors"] = sms.errors + api.errors

            # 2. From the fake SMSC into Kannel and back out with the tracking ID.
            p99: float | None = None
            if phone is not None:
                latencies = reply_latency(phone, messages=args.messages, rate=args.rate)
                p99 = round(percentile(latencies, 99), 1)
                print(
                    f"SMS reply through Kannel: {len(latencies)} SMS at {args.rate:g}/s, p50"
                    f" {percentile(latencies, 50):.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms —"
                    f" {_verdict(p99, *TARGETS['sms_reply_p99_ms'])} (≤ 2000 ms)",
                    flush=True,
                )
            else:
                print("SMS reply latency: skipped, Kannel's binaries are absent (kannel, kannel-extras)", flush=True)
            result["sms_reply_p99_ms"] = p99
            drain(url)

            # 3. Open311 GET requests on a Pemda with a million reports.
            found = open311(web_port, requests=args.requests, rng=rng)
            for fmt in ("json", "xml"):
                value = round(percentile(found[fmt], 95), 1) if found is not None else None
                result[f"open311_{fmt}_p95_ms"] = value
                if found is not None:
                    print(
                        f"open311 requests.{fmt}: p50 {percentile(found[fmt], 50):.1f} ms, p95 {value:.1f} ms —"
                        f" {_verdict(value, '<=', OPEN311_TARGET_MS)} (≤ 100 ms)",
                        flush=True,
                    )
    finally:
        drop_database(base, DB)
        if rabbit:
            _queue_delete(broker, queue)
    summary = {
        "bench": "channels",
        "sms_vs_api": result.get("sms_vs_api"),
        "sms_reply_p99_ms": result.get("sms_reply_p99_ms"),
        "open311_json_p95_ms": result.get("open311_json_p95_ms"),
        "open311_xml_p95_ms": result.get("open311_xml_p95_ms"),
        "sms_per_s": result.get("sms_per_s"),
        "api_per_s": result.get("api_per_s"),
        "sms_requests_vs_api": result.get("sms_requests_vs_api"),
        "reports": args.reports,
    }
    print(json.dumps(summary), flush=True)
    return 1 if result.get("intake_errors") else 0


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _queue_delete(broker: str, queue: str) -> None:
    """This run's queue on the shared RabbitMQ goes with the run."""
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception as exc:  # the figures stand; a leftover empty queue is harmless
        print(f"could not delete RabbitMQ queue {queue}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
