"""Benchmark: onboard all 552 Pemda, apply one new migration to all of them, web worker memory.

    python tests/bench/bench_onboarding.py [--tenants N] [--workers W] [--baseline K]

Runs against its own database `lapor_bench` on the embedded server (or the server of
DATABASE_URL), created fresh and dropped at the end, so development data is never touched.
Every phase is a real process: `manage.py onboard_pemda`, `manage.py upgrade_tenants`, gunicorn.
In the same run it measures the baselines: django-tenants' own `auto_create_schema` path for K
Pemda (same schema, same SKPD tree, domain and admin, one after another, as django-tenants has no
parallel creation) and its `migrate_schemas` for K schemas. Targets (issue 3, 2-core machine):
onboarding <= 60 s, migration <= 20 s, web worker RSS with all tenants <= +50 MB over one tenant.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "platform"), str(REPO)]
BIN = Path(sys.executable).parent
BENCH_DB = "lapor_bench"
PROBE_SETTINGS = "tests.tenants.probe_settings"
TARGETS = {"onboard_seconds": 60.0, "migrate_all_seconds": 20.0, "rss_delta_mb": 50.0}


def log(message: str) -> None:
    print(f"bench-onboarding: {message}", flush=True)


def _env(url: str, settings: str = "lapor.settings") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(REPO / "platform"), str(REPO)]),
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=url,
        LAPOR_LOG_LEVEL="WARNING",
        COLUMNS="120",
    )
    return env


def _run(argv: list[str], url: str, *, settings: str = "lapor.settings", quiet: bool = True) -> float:
    """Run a process to completion; returns its wall-clock seconds (start-up included)."""
    started = time.perf_counter()
    result = subprocess.run(argv, env=_env(url, settings), cwd=REPO, capture_output=quiet, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write((result.stdout or "") + (result.stderr or ""))
        raise SystemExit(f"bench-onboarding: {' '.join(argv[1:3])} failed (exit {result.returncode})")
    return elapsed


def _phase(name: str, url: str, *args: str, settings: str = "lapor.settings") -> dict[str, Any]:
    """Run one in-process phase of this script in its own process; it prints one JSON line."""
    argv = [sys.executable, __file__, "--phase", name, *args]
    result = subprocess.run(argv, env=_env(url, settings), cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench-onboarding: phase {name} failed")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# --- phases run inside Django (own process each) ---------------------------------------------------


def _django() -> None:
    import django

    django.setup()


def phase_setup() -> dict[str, Any]:
    _django()
    from django.core.management import call_command

    from tenants.schemas import blueprint_load
    from tenants.services import hub_ensure

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    hub_ensure()
    started = time.perf_counter()
    blueprint = blueprint_load()
    return {"template_seconds": round(time.perf_counter() - started, 2), "ddl_bytes": len(blueprint.ddl)}


def phase_baseline(count: int) -> dict[str, Any]:
    """django-tenants' auto_create_schema path for `count` kabupaten/kota, then removes them again."""
    _django()
    from django_tenants.utils import tenant_context

    from accounts.services import tenant_admin_ensure
    from tenants.models import Domain, Pemda, PemdaStatus, WorkCalendar
    from tenants.offboarding import pemda_archive, pemda_delete
    from tenants.regions import regions_all
    from tenants.services import default_domain, pemda_onboard
    from tenants.skpd import skpd_seed
    from tenants.validators import schema_name_for_code

    sample = [r for r in regions_all() if r.province_code == "11"][:count]
    pemda_onboard(code="11")  # the parent, on the normal path, not timed
    province = Pemda.objects.get(code="11")
    started = time.perf_counter()
    for region in sample:
        pemda = Pemda(
            code=region.code,
            name=region.name,
            kind=region.kind,
            slug=region.slug,
            timezone=region.timezone,
            parent=province,
            schema_name=schema_name_for_code(region.code),
            status=PemdaStatus.LIVE,
        )
        pemda.auto_create_schema = True  # django-tenants: migrate_schemas for the new schema in save()
        pemda.save(verbosity=0)
        Domain.objects.create(tenant=pemda, domain=default_domain(region.slug), is_primary=True)
        with tenant_context(pemda):
            skpd_seed(pemda)
        WorkCalendar.objects.get_or_create(pemda=pemda)
        tenant_admin_ensure(tenant=pemda, username=f"admin-{region.slug}")
    elapsed = time.perf_counter() - started
    for region in [*sample, province]:
        pemda_archive(code=region.code)
        pemda_delete(code=region.code, confirm=region.code)
    return {"baseline_tenants": len(sample), "baseline_per_tenant_ms": round(elapsed * 1000 / len(sample), 1)}


def phase_baseline_migrate(count: int) -> dict[str, Any]:
    """django-tenants' migrate_schemas, schema by schema, for the new migration on `count` schemas."""
    _django()
    from django.core.management import call_command
    from django.db import connection

    from tenants.schemas import schemas_of_tenants

    sample = schemas_of_tenants()[-count:]
    started = time.perf_counter()
    for schema in sample:
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    elapsed = time.perf_counter() - started
    # Undo it (not timed), so the measured upgrade applies the new migration to every schema.
    with connection.cursor() as cursor:
        for schema in sample:
            cursor.execute(f'DROP TABLE "{schema}".upgrade_probe_probe')
            cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'upgrade_probe'")
            cursor.execute(f"DELETE FROM \"{schema}\".django_content_type WHERE app_label = 'upgrade_probe'")
    return {
        "baseline_migrate_schemas": len(sample),
        "baseline_migrate_per_schema_ms": round(elapsed * 1000 / len(sample), 1),
    }


def phase_codes(count: int) -> dict[str, Any]:
    _django()
    from tenants.regions import regions_all

    return {"codes": [r.code for r in regions_all()[:count]]}


def phase_hosts() -> dict[str, Any]:
    _django()
    from tenants.models import Domain, PemdaKind

    hosts = list(
        Domain.objects.filter(is_primary=True)
        .exclude(tenant__kind=PemdaKind.HUB)
        .order_by("tenant__code")
        .values_list("domain", flat=True)
    )
    return {"hosts": hosts}


# --- the orchestration (no Django here) -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, host: str, path: str = "/") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return int(response.status)


def measure_rss(url: str, hosts: list[str]) -> tuple[float, float]:
    """RSS of one gunicorn worker after serving one tenant, then after serving every tenant."""
    import psutil

    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "lapor.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=_env(url),
        cwd=REPO,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "localhost", "/healthz") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("bench-onboarding: gunicorn did not start") from None
                time.sleep(0.2)
        worker = psutil.Process(server.pid).children()[0]
        for _ in range(20):  # one tenant, warmed up: templates, URL conf, connection
            assert _get(port, hosts[0]) == 200
        rss_one = worker.memory_info().rss / 2**20
        for _ in range(2):  # every tenant, twice: what a long-lived worker holds after a busy day
            for host in hosts:
                assert _get(port, host) == 200, host
        rss_all = worker.memory_info().rss / 2**20
        return round(rss_one, 1), round(rss_all, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)


class IntakeDuringUpgrade:
    """Citizens filing through gunicorn (the release already running: normal settings, which know
    nothing of the new migration) while `upgrade_tenants` applies that migration to every schema.
    Any answer but 201 is an error; afterwards every 201's tracking ID must be a row."""

    def __init__(self, url: str, hosts: list[str], threads: int = 4) -> None:
        import threading

        self.url, self.hosts, self.count = url, hosts, threads
        self.port = _free_port()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.filed: list[tuple[str, str]] = []  # (host, tracking id)
        self.errors: list[str] = []
        env = _env(url)
        env["LAPOR_INTAKE_RATE_PER_ADDRESS"] = env["LAPOR_INTAKE_RATE_PER_PHONE"] = "off"
        self.server = subprocess.Popen(
            [str(BIN / "gunicorn"), "lapor.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--log-level", "warning"],
            env=env, cwd=REPO, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(self.port, "localhost", "/healthz") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise SystemExit("bench-onboarding: gunicorn did not start") from None
                time.sleep(0.2)
        self.threads = [threading.Thread(target=self._file, args=(k,), daemon=True) for k in range(threads)]
        for thread in self.threads:
            thread.start()

    def _file(self, k: int) -> None:
        import http.client

        from tests.bench.bench_intake import PAYLOAD

        n = k
        while not self.stop.is_set():
            host = self.hosts[n % len(self.hosts)]
            n += self.count
            body = json.dumps({**PAYLOAD, "title": f"Lampu jalan mati saat pembaruan {n}"})
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", "/api/v1/reports/", body=body,
                             headers={"Host": host, "Content-Type": "application/json"})  # fmt: skip
                response = conn.getresponse()
                answer = response.read()
                conn.close()
            except OSError as exc:
                with self.lock:
                    self.errors.append(f"{host}: {exc}")
                continue
            with self.lock:
                if response.status == 201:
                    self.filed.append((host, json.loads(answer)["tracking_id"]))
                else:
                    self.errors.append(f"{host}: HTTP {response.status} {answer[:200]!r}")

    def finish(self) -> int:
        """Stop filing; returns how many 201s have no row."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        self.server.terminate()
        self.server.wait(timeout=30)
        found = _phase("tracked", self.url, json.dumps(self.filed))
        return int(found["missing"])


def phase_tracked(filed: list[list[str]]) -> dict[str, Any]:
    """How many of these (host, tracking id) pairs have no report in their Pemda's schema."""
    _django()
    from django_tenants.utils import tenant_context

    from complaints.models import Report
    from tenants.models import Domain

    by_host: dict[str, list[str]] = {}
    for host, tracking in filed:
        by_host.setdefault(host, []).append(tracking)
    missing = 0
    for host, ids in by_host.items():
        with tenant_context(Domain.objects.get(domain=host).tenant):
            missing += len(set(ids)) - Report.objects.filter(tracking_id__in=ids).count()
    return {"missing": missing}


def _server_url() -> tuple[str, Any]:
    """URL of the server's maintenance database, starting the embedded server when needed."""
    from deploy.local import start_database

    if os.environ.get("DATABASE_URL", "").strip():
        from urllib.parse import urlsplit

        parts = urlsplit(os.environ["DATABASE_URL"])
        return parts._replace(path="/postgres").geturl(), None
    server, started_here = start_database()
    assert server is not None
    return server.url.rsplit("/", 1)[0] + "/postgres", server if started_here else None


def _admin(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=552, help="onboard the first N Pemda (default all 552)")
    parser.add_argument("--workers", type=int, default=0, help="worker processes (default: onboard_pemda's)")
    parser.add_argument("--baseline", type=int, default=10, help="Pemda created on django-tenants' path")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("phase_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phases = {
            "setup": phase_setup,
            "baseline": lambda: phase_baseline(int(args.phase_args[0])),
            "baseline-migrate": lambda: phase_baseline_migrate(int(args.phase_args[0])),
            "hosts": phase_hosts,
            "codes": lambda: phase_codes(int(args.phase_args[0])),
            "tracked": lambda: phase_tracked(json.loads(args.phase_args[0])),
        }
        print(json.dumps(phases[args.phase]()))
        return 0
    if not 1 <= args.tenants <= 552:
        parser.error("--tenants must be between 1 and 552")

    maintenance_url, started_server = _server_url()
    bench_url = maintenance_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    _admin(maintenance_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin(maintenance_url, f'CREATE DATABASE "{BENCH_DB}"')
    manage = [sys.executable, str(REPO / "manage.py")]
    try:
        setup = _phase("setup", bench_url)
        log(
            f"fresh database {BENCH_DB}, shared schema migrated, tenant template built in {setup['template_seconds']} s"
        )

        baseline = _phase("baseline", bench_url, str(args.baseline))
        log(
            f"baseline django-tenants auto_create_schema: {baseline['baseline_per_tenant_ms']} ms per Pemda "
            f"({baseline['baseline_tenants']} Pemda, sequential)"
        )

        selection = ["--all"] if args.tenants == 552 else _phase("codes", bench_url, str(args.tenants))["codes"]
        workers = ["--workers", str(args.workers)] if args.workers else []
        links = ["--links-file", os.devnull]
        onboard_seconds = _run([*manage, "onboard_pemda", *selection, *workers, *links], bench_url, quiet=True)
        per_tenant_ms = onboard_seconds * 1000 / args.tenants
        log(f"onboarded {args.tenants} Pemda in {onboard_seconds:.1f} s ({per_tenant_ms:.1f} ms per Pemda, wall clock)")

        hosts = _phase("hosts", bench_url)["hosts"]
        assert len(hosts) == args.tenants, f"{len(hosts)} hosts for {args.tenants} Pemda"
        rss_one, rss_all = measure_rss(bench_url, hosts)
        log(f"gunicorn worker RSS: {rss_one} MB after 1 tenant, {rss_all} MB after {len(hosts)} tenants")

        sample = min(args.baseline * 4, len(hosts))
        base_migrate = _phase("baseline-migrate", bench_url, str(sample), settings=PROBE_SETTINGS)
        # The new migration while citizens keep filing at every Pemda (the release still running).
        intake = IntakeDuringUpgrade(bench_url, hosts)
        time.sleep(1.0)
        migrate_seconds = _run([*manage, "upgrade_tenants", *workers], bench_url, settings=PROBE_SETTINGS)
        time.sleep(1.0)
        missing = intake.finish()
        upgrade_filed, upgrade_errors = len(intake.filed), len(intake.errors)
        log(
            f"during the upgrade: {upgrade_filed} reports filed at {len({h for h, _ in intake.filed})} Pemda, "
            f"{upgrade_errors} errors, {missing} answered 201 without a row"
            + (f" (first: {intake.errors[0]})" if intake.errors else "")
        )
        log(
            f"new migration: django-tenants migrate_schemas {base_migrate['baseline_migrate_per_schema_ms']} ms per "
            f"schema ({sample} schemas, one by one); upgrade_tenants {migrate_seconds:.1f} s for all {len(hosts)}"
        )
    finally:
        _admin(maintenance_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if started_server is not None:
            started_server.stop()

    result = {
        "bench": "onboarding",
        "tenants": args.tenants,
        "onboard_seconds": round(onboard_seconds, 2),
        "per_tenant_ms": round(per_tenant_ms, 1),
        "baseline_per_tenant_ms": baseline["baseline_per_tenant_ms"],
        "speedup": round(baseline["baseline_per_tenant_ms"] / per_tenant_ms, 1),
        "migrate_all_seconds": round(migrate_seconds, 2),
        "migrate_per_schema_ms": round(migrate_seconds * 1000 / len(hosts), 1),
        "baseline_migrate_per_schema_ms": base_migrate["baseline_migrate_per_schema_ms"],
        "rss_mb_1": rss_one,
        "rss_mb_all": rss_all,
        "upgrade_intake_filed": upgrade_filed,
        "upgrade_intake_errors": upgrade_errors,
        "upgrade_intake_missing": missing,
    }
    result["targets_met"] = {
        "onboard_seconds": result["onboard_seconds"] <= TARGETS["onboard_seconds"],
        "migrate_all_seconds": result["migrate_all_seconds"] <= TARGETS["migrate_all_seconds"],
        "rss_delta_mb": rss_all - rss_one <= TARGETS["rss_delta_mb"],
    }
    log(
        f"per Pemda {result['speedup']}x faster than django-tenants' auto_create_schema; migration "
        f"{round(result['baseline_migrate_per_schema_ms'] / max(0.1, result['migrate_per_schema_ms']), 1)}x faster "
        f"per schema than migrate_schemas; RSS +{rss_all - rss_one:.1f} MB"
    )
    print(json.dumps(result), flush=True)
    # Zero errors and nothing lost while the migration ran: anything else fails the run (and CI's smoke).
    return 0 if upgrade_errors == 0 and missing == 0 and upgrade_filed > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
