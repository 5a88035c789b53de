"""The Locust side of `make bench-load`: citizens, the public and officers on one Pemda host.

Run by tests/bench/bench_load.py as a process of its own (`python -m tests.bench.load_users
CONFIG OUT`): Locust monkey-patches the standard library with gevent on import, which must not
happen in the process that runs Django's management commands and psycopg2. Nothing of Django is
imported here; the officers sign in with tests/bench/common.py's `sign_in`, as every bench does.

Every request first takes a slot from one pacer shared by all users, so the offered rate is the
configured one whatever the number of users; when the server cannot keep up, slots are not made
up for later (the achieved rate is reported beside the target). Each response is judged against
the statuses its route may give: anything else is an error. The only 429s expected are a repeat
filer's (one phone number that files again and again: the per-phone limit stays on).

OUT receives the per-route statistics, every tracking ID a filing answered with, and the errors.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from itertools import count
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, HttpUser, constant, task
from locust.env import Environment

from tests.bench.common import sign_in

CONFIG: dict[str, Any] = json.loads(open(sys.argv[1]).read()) if __name__ == "__main__" else {}
HOST = CONFIG.get("host", "jakarta.localhost")
FILED: list[str] = []  # every tracking ID answered to a filing (201 or the form's answer page)
MINE: list[tuple[str, str]] = []  # (tracking ID, reporter token) to track
PUBLIC: list[str] = []  # tracking IDs seen on /pantau/
STATUSES: dict[str, Counter[int]] = defaultdict(Counter)
ERRORS: list[str] = []
REPEAT_PHONE = "081217080000"  # the repeat filer's number: past the per-phone limit, 429 is intended
PLACES = ["menteng", "gambir", "tebet", "senen", "koja", "grogol", "cakung", "kemayoran"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')
TRACKING = re.compile(r'id="tracking-id">([0-9A-Z*~$=-]+)<')
PUBLIC_LINK = re.compile(r'href="/lacak/([^/"?]+)/"')
REPORT_LINK = re.compile(r'href="/konsol/laporan/(\d+)/"')


class Pacer:
    """One request slot every 1/rate seconds, shared by all users; a missed slot is not made up."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            gevent.sleep(slot - now)


PACER = Pacer(float(CONFIG.get("rate", 1.0)))


def judge(response: Any, route: str, allowed: tuple[int, ...]) -> bool:
    """Count the status; a status the route may not give is an error (a failure in Locust's stats)."""
    code = int(response.status_code or 0)
    STATUSES[route][code] += 1
    if code in allowed:
        response.success()
        return True
    ERRORS.append(f"{route}: {code} {str(getattr(response, 'text', '') or '')[:160]!r}")
    response.failure(f"status {code}")
    return False


class Citizen(FastHttpUser):
    """Files reports through the API and the portal's form, then follows them by tracking ID."""

    weight = 5
    wait_time = constant(0)
    default_headers = {"Host": HOST}

    def _get(self, path: str, route: str, allowed: tuple[int, ...] = (200,), **kw: Any) -> tuple[bool, str]:
        PACER.wait()
        with self.client.get(path, name=route, catch_response=True, allow_redirects=False, **kw) as r:
            return judge(r, route, allowed), r.text or ""

    @task(4)
    def file_api(self) -> None:
        repeat = random.random() < 0.1
        payload = {
            "type": random.choice(["pengaduan", "aspirasi"]),
            "category": random.choice(CONFIG["categories"]),
            "title": f"Jalan berlubang di {random.choice(PLACES).title()} nomor {random.randint(1, 400)}",
            "text": "Lubang besar di tengah jalan, sudah dua motor jatuh minggu ini. Mohon segera ditambal.",
            "privacy": random.choice(["public", "public", "anonim", "rahasia"]),
            "reporter_name": "Warga Uji Beban",
            "reporter_phone": REPEAT_PHONE if repeat else f"0813{random.randint(10**7, 10**8 - 1)}",
        }
        route = "POST /api/v1/reports/"
        PACER.wait()
        with self.client.post("/api/v1/reports/", json=payload, name=route, catch_response=True) as r:
            # 429 only for the repeat filer: the address limit is off, and the other numbers are new.
            if judge(r, route, (201, 429) if repeat else (201,)) and r.status_code == 201:
                body = r.json()
                FILED.append(body["tracking_id"])
                MINE.append((body["tracking_id"], body["reporter_token"]))

    @task(1)
    def file_form(self) -> None:
        ok, page = self._get("/lapor/", "GET /lapor/")
        token, form_id = CSRF.search(page), FORM_ID.search(page)
        if not ok or token is None or form_id is None:
            return
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "form_id": form_id.group(1),
            "type": "pengaduan",
            "category": random.choice(CONFIG["categories"]),
            "title": "Lampu jalan mati di Jalan Kebon Sirih",
            "text": "Sudah dua minggu lampu di depan nomor 40 mati, malam hari gelap sekali.",
            "kecamatan": "31.71.01",
            "kelurahan_nama": "kel. Kebon Kelapa",
            "privacy": random.choice(["public", "anonim"]),
            "reporter_email": "warga@example.id",
        }
        route = "POST /lapor/"
        PACER.wait()
        with self.client.post("/lapor/", data=form, name=route, catch_response=True, allow_redirects=False) as r:
            if not judge(r, route, (302,)):
                return
        ok, done = self._get("/lapor/terkirim/", "GET /lapor/terkirim/")
        found = TRACKING.search(done)
        if ok and found:
            FILED.append(found.group(1))
        elif ok:
            ERRORS.append("GET /lapor/terkirim/: no tracking ID on the answer page")

    @task(4)
    def track(self) -> None:
        if not MINE:
            return
        tracking_id, token = random.choice(MINE)
        if random.random() < 0.5:
            path = f"/api/v1/reports/track/{tracking_id}/"
            self._get(path, "GET /api/v1/reports/track/[id]/", headers={"Host": HOST, "X-Reporter-Token": token})
        else:
            self._get(f"/lacak/{tracking_id}/?{urlencode({'kunci': token})}", "GET /lacak/[id]/?kunci=")


class Public(FastHttpUser):
    """Browses public monitoring: the list, by category, a search, and a report's public page."""

    weight = 3
    wait_time = constant(0)
    default_headers = {"Host": HOST}

    def _browse(self, path: str, route: str) -> None:
        PACER.wait()
        with self.client.get(path, name=route, catch_response=True) as r:
            if judge(r, route, (200,)):
                seen = PUBLIC_LINK.findall(r.text or "")
                if seen and len(PUBLIC) < 5000:
                    PUBLIC.extend(seen[:5])

    @task(3)
    def pantau(self) -> None:
        self._browse("/pantau/", "GET /pantau/")

    @task(1)
    def by_category(self) -> None:
        self._browse(f"/pantau/?kategori={random.choice(CONFIG['categories'])}", "GET /pantau/?kategori=")

    @task(1)
    def search(self) -> None:
        self._browse(f"/pantau/?q={random.choice(PLACES)}", "GET /pantau/?q=")

    @task(3)
    def report_page(self) -> None:
        if PUBLIC:
            self._browse(f"/lacak/{random.choice(PUBLIC)}/", "GET /lacak/[id]/")


class _Officer(HttpUser):
    """A signed-in officer working a list: open a report, act on it (POST answers 302)."""

    abstract = True
    wait_time = constant(0)
    usernames: list[str] = []
    list_path = ""
    action = ""
    numbers = count()  # each subclass has its own: officer k of a list signs in as usernames[k]

    def on_start(self) -> None:
        self.index = next(self.numbers) % len(self.usernames)
        signed_in = sign_in(CONFIG["port"], HOST, self.usernames[self.index])
        self.client.headers["Host"] = HOST
        for name, value in signed_in.cookies.items():
            self.client.cookies.set(name, value)
        self.done: set[int] = set()

    def form(self, report_id: int, csrf: str) -> dict[str, str]:
        raise NotImplementedError

    def _get(self, path: str, route: str) -> tuple[bool, str]:
        PACER.wait()
        with self.client.get(path, name=route, catch_response=True, allow_redirects=False) as r:
            return judge(r, route, (200,)), r.text or ""

    @task
    def work(self) -> None:
        ok, page = self._get(self.list_path, f"GET {self.list_path}")
        if not ok:
            return
        # Each officer of a list takes its own share (by id), so two never act on one report at once.
        mine = [int(i) for i in REPORT_LINK.findall(page)]
        mine = [i for i in mine if i % len(self.usernames) == self.index and i not in self.done]
        if not mine:
            gevent.sleep(0.5)
            return
        report_id = mine[0]
        ok, page = self._get(f"/konsol/laporan/{report_id}/", "GET /konsol/laporan/[id]/")
        csrf = CSRF.search(page)
        if not ok or csrf is None:
            return
        route = f"POST /konsol/laporan/[id]/{self.action}/"
        PACER.wait()
        with self.client.post(
            f"/konsol/laporan/{report_id}/{self.action}/",
            data=self.form(report_id, csrf.group(1)),
            name=route,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            judge(r, route, (302,))
        self.done.add(report_id)


class Verifikator(_Officer):
    """Works the verification queue: verifies each report and disposes it to the bench's unit."""

    fixed_count = 2
    usernames = CONFIG.get("verifikators", [])
    list_path = "/konsol/antrean/"
    action = "verifikasi"
    numbers = count()

    def form(self, report_id: int, csrf: str) -> dict[str, str]:
        return {"csrfmiddlewaretoken": csrf, "unit_id": str(CONFIG["unit_id"]), "note": "Diteruskan ke Bina Marga."}


class UnitOfficer(_Officer):
    """Works the unit's inbox: answers each disposed report with a final answer."""

    fixed_count = 2
    usernames = CONFIG.get("unit_officers", [])
    list_path = "/konsol/kotak-masuk/"
    action = "tanggapi"
    numbers = count()

    def form(self, report_id: int, csrf: str) -> dict[str, str]:
        text = "Sudah kami tangani: petugas datang dan menambal jalan di lokasi."
        return {"csrfmiddlewaretoken": csrf, "text": text, "final": "on"}


def run(out: str) -> None:
    Verifikator.fixed_count = len(Verifikator.usernames)
    UnitOfficer.fixed_count = len(UnitOfficer.usernames)
    env = Environment(
        user_classes=[Citizen, Public, Verifikator, UnitOfficer],
        host=f"http://127.0.0.1:{CONFIG['port']}",
        stop_timeout=60,  # let every user finish its request: a filing cut off mid-way would be unaccounted
    )
    runner = env.create_local_runner()
    users = int(CONFIG["users"])
    started = time.monotonic()
    runner.start(users, spawn_rate=users)
    gevent.sleep(float(CONFIG["seconds"]))
    runner.stop()
    seconds = time.monotonic() - started
    runner.quit()
    routes = {}
    for (name, _method), entry in sorted(env.stats.entries.items()):
        routes[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "statuses": {str(k): v for k, v in sorted(STATUSES[name].items())},
        }
    total = env.stats.total
    result = {
        "seconds": round(seconds, 1),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "p99_ms": total.get_response_time_percentile(0.99),
        "routes": routes,
        "filed": FILED,
        "errors": ERRORS[:50],
        "error_count": len(ERRORS),
    }
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    run(sys.argv[2])
