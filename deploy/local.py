"""`make run` and `make test`: database, migrations, seed, then web + worker + beat, or pytest.

    python -m deploy.local run            # serve hub and pilot until Ctrl-C
    python -m deploy.local test [ARGS]    # pytest against real PostgreSQL
    python -m deploy.local manage ARGS    # manage.py with the database up
    python -m deploy.local bench NAME     # tests/bench/bench_NAME.py with the database up
    python -m deploy.local db-start|db-stop

With DATABASE_URL unset an embedded PostgreSQL is started (and stopped again on exit if this
runner started it). Configuration errors and unreachable services stop start-up within
seconds with a message naming the variable.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deploy.embedded_pg import EmbeddedPostgres

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "platform"), str(REPO), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
    return env


def _setup_django() -> None:
    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        _die(f"configuration error: {exc}")


def _die(message: str, code: int = 2) -> None:
    print(f"lapor: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def _embedded() -> EmbeddedPostgres | None:
    from lapor.env import env_int, env_str

    if env_str("DATABASE_URL").strip():
        return None
    from deploy.embedded_pg import EmbeddedPostgres

    port = env_int("LAPOR_EMBEDDED_PG_PORT", 25432, minimum=1, maximum=65535)
    var = Path(os.environ.get("LAPOR_VAR_DIR", REPO / "var"))
    return EmbeddedPostgres(
        pgdata=var / "pgdata", port=port, fast_unsafe=os.environ.get("LAPOR_EMBEDDED_PG_FAST") == "1"
    )


def start_database() -> tuple[EmbeddedPostgres | None, bool]:
    """Start the embedded server when needed; returns (server, started_here)."""
    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    from django.core.exceptions import ImproperlyConfigured

    from deploy.embedded_pg import EmbeddedPostgresError

    try:
        server = _embedded()
    except ImproperlyConfigured as exc:
        _die(f"configuration error: {exc}")
    if server is None:
        return None, False
    try:
        started = server.start()
    except EmbeddedPostgresError as exc:
        _die(str(exc))
    return server, started


def ensure_database_exists() -> None:
    """CREATE DATABASE when the configured one is missing; fail fast when the server is unreachable."""
    import psycopg2
    from django.conf import settings

    from lapor.env import redact_url

    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "connect_timeout": settings.DB_CONNECT_TIMEOUT,
    }
    try:
        psycopg2.connect(dbname=db["NAME"], **params).close()
        return
    except psycopg2.OperationalError as exc:
        if "does not exist" not in str(exc):
            _die(f"cannot reach the database at {redact_url(settings.DATABASE_URL)}: {str(exc).strip()}")
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
        conn.close()
    except psycopg2.Error as exc:
        _die(f"database {db['NAME']!r} does not exist and could not be created: {str(exc).strip()}")


def check_broker() -> None:

    from lapor.health import check_broker as probe

    result = probe()
    if not result["ok"]:
        _die(f"cannot reach the Celery broker (CELERY_BROKER_URL) at {result['url']}: {result['error']}")


def manage(*args: str) -> None:
    result = subprocess.run([PYTHON, str(REPO / "manage.py"), *args], env=_child_env(), cwd=REPO)
    if result.returncode != 0:
        _die(f"manage.py {' '.join(args)} failed (exit {result.returncode})", result.returncode)


def prepare() -> None:
    _setup_django()
    ensure_database_exists()
    check_broker()
    # A child process, like the other steps: kombu keeps its SQLAlchemy session (and connection)
    # for the life of the process, and this one outlives the embedded database it stops.
    manage("broker_prepare")
    manage("migrate_schemas", "--shared", "--verbosity", "0")
    manage("seed_pilot")
    # Pending tenant migrations, schema by schema in parallel (fast even with all 552 Pemda).
    manage("upgrade_tenants")
    manage("collectstatic", "--noinput", "--verbosity", "0")


def serve(server: EmbeddedPostgres | None, started_here: bool) -> int:
    from django.conf import settings

    env = _child_env()
    bind = os.environ.get("LAPOR_BIND", f"127.0.0.1:{settings.PUBLIC_URL_PORT}")
    var = Path(settings.VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)
    # Prometheus counters of every process (gunicorn's workers, Celery's), added up at /metrics
    # (lapor.metrics); emptied at each start, as prometheus-client's multiprocess mode requires.
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = var / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    commands = {
        "web": [
            str(BIN / "gunicorn"),
            "lapor.wsgi",
            "--bind",
            bind,
            "--workers",
            os.environ.get("LAPOR_WEB_WORKERS", "2"),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ],
        "worker": [str(BIN / "celery"), "-A", "lapor", "worker", "-l", "info", "--concurrency", "2"],
        # Delivers the sync outbox even while the broker is down (beat's sweeps need the broker).
        "sweeper": [PYTHON, str(REPO / "manage.py"), "sync_sweeper", "--interval", "2"],
        "beat": [
            str(BIN / "celery"),
            "-A",
            "lapor",
            "beat",
            "-l",
            "info",
            "-s",
            str(var / "celerybeat-schedule"),
            "--pidfile",
            "",
        ],
    }
    children = {
        name: subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True) for name, cmd in commands.items()
    }
    port = bind.rsplit(":", 1)[1]
    print(
        "\nLAPOR! Federation is running:\n"
        f"  hub:    http://localhost:{port}/\n"
        f"  pilot:  http://jakarta.localhost:{port}/   (DKI Jakarta)\n"
        f"  staff:  http://jakarta.localhost:{port}/masuk/ and http://localhost:{port}/masuk/  -> {_admin_login(var)}\n"
        "          (the first sign-in enrols an authenticator app: scan the QR code or type its secret)\n"
        f"  admin:  http://localhost:{port}/admin/\n"
        "  Ctrl-C stops web, worker, beat, the sync sweeper and the embedded database.\n",
        flush=True,
    )
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None:
                print(f"lapor: {name} exited with {proc.returncode}; stopping the rest", file=sys.stderr)
                exit_code = 1
                stopping = True
        time.sleep(0.5)
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if server is not None and started_here:
        server.stop()
        print("lapor: embedded PostgreSQL stopped", flush=True)
    print("lapor: stopped", flush=True)
    return exit_code


def _admin_login(var: Path) -> str:
    creds = var / "local-admin.txt"
    return f"admin / {creds.read_text().strip()}" if creds.exists() else "admin (password as first printed)"


def run_tests(pytest_args: list[str]) -> int:
    from django.conf import settings

    # WhiteNoise serves STATIC_ROOT and warns on every app start while it does not exist.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    env = _child_env()
    result = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], env=env, cwd=REPO)
    if result.returncode == 5:
        print("lapor: pytest collected no tests; treating that as a failure", file=sys.stderr)
        return 1
    return result.returncode


def main(argv: list[str]) -> int:
    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "db-stop":
        server = _embedded()
        if server is not None:
            server.stop()
        return 0
    if command == "test":
        os.environ.setdefault("LAPOR_EMBEDDED_PG_FAST", "1")
    server, started_here = start_database()
    if command == "db-start":
        print(server.url if server is not None else os.environ["DATABASE_URL"])
        return 0
    try:
        if command == "run":
            # Links printed by the seed (one-time logins) carry the port this run serves on.
            bind = os.environ.get("LAPOR_BIND", "")
            if bind and "LAPOR_PUBLIC_PORT" not in os.environ:
                os.environ["LAPOR_PUBLIC_PORT"] = bind.rsplit(":", 1)[-1]
            prepare()
            return serve(server, started_here)
        if command == "manage":
            _setup_django()
            ensure_database_exists()
            return subprocess.run([PYTHON, str(REPO / "manage.py"), *rest], env=_child_env(), cwd=REPO).returncode
        if command == "test":
            _setup_django()
            ensure_database_exists()
            return run_tests(rest)
        if command == "bench":
            # Benchmarks create and drop databases of their own on this server.
            _setup_django()
            from django.conf import settings

            env = _child_env()
            env["DATABASE_URL"] = settings.DATABASE_URL
            module = f"tests.bench.bench_{rest[0]}"
            return subprocess.run([PYTHON, "-m", module, *rest[1:]], env=env, cwd=REPO).returncode
        print(__doc__)
        return 2
    finally:
        if server is not None and started_here:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
