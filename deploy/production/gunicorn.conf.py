"""gunicorn's configuration for production: `gunicorn -c deploy/production/gunicorn.conf.py`.

Everything comes from the environment (the same variables the rest of the platform reads):

    LAPOR_BIND             address to listen on                    127.0.0.1:8000 (container: 0.0.0.0:8000)
    LAPOR_WEB_WORKERS      worker processes                        2 x cores + 1
    LAPOR_WEB_TIMEOUT      seconds a request may take              60
    LAPOR_WEB_MAX_REQUESTS requests before a worker is replaced    5000 (0: never)
    LAPOR_TRUSTED_PROXIES  nginx's address(es): gunicorn believes their X-Forwarded-Proto (and the
                           platform their X-Forwarded-For)

Sizing, per core count. The workers are synchronous (one request at a time each); a request of
the platform spends much of its time waiting on PostgreSQL, so 2 x cores + 1 keeps the cores busy.
A worker measured 82-85 MB RSS here (tests/bench/bench_onboarding.py: one tenant, then all 552),
and every worker holds one PostgreSQL connection (DB_CONN_MAX_AGE keeps it 60 s):

    cores  workers  RAM for gunicorn  PostgreSQL connections (web)
    2      5        ~0.5 GB           5
    4      9        ~0.8 GB           9
    8      17       ~1.5 GB           17
    16     33       ~2.9 GB           33

Past ~33 workers on one host, run more hosts behind nginx (LAPOR_UPSTREAM, one `server` line
each) rather than more workers: the database's connections are the limit (PgBouncer in session
mode does not multiplex them, it only caps and queues them). Celery workers are sized apart:
`--concurrency` = cores, as their tasks are short and mostly database-bound.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


wsgi_app = "lapor.wsgi:application"
pythonpath = f"{_REPO / 'platform'},{_REPO}"
chdir = str(_REPO)
bind = [os.environ.get("LAPOR_BIND", "127.0.0.1:8000")]
workers = _int("LAPOR_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = _int("LAPOR_WEB_TIMEOUT", 60)
graceful_timeout = 30  # a deploy lets running requests finish
max_requests = _int("LAPOR_WEB_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# X-Forwarded-Proto is believed from these addresses only (nginx); 127.0.0.1 as gunicorn's default.
forwarded_allow_ips = ",".join(
    p.strip() for p in os.environ.get("LAPOR_TRUSTED_PROXIES", "127.0.0.1").split(",") if p.strip()
)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LAPOR_LOG_LEVEL", "info").lower()
# Worker temp files in memory where there is one (containers: /dev/shm), not on a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - heartbeat files only
