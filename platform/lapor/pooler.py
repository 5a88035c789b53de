"""Start-up check of the connection pooler: PgBouncer only in session mode.

django-tenants selects a Pemda with `SET search_path`, a session setting. Behind a PgBouncer in
transaction (or statement) mode, consecutive statements of one client land on whichever server
connection is free, so one Pemda's query can run under another Pemda's search_path. The platform
therefore refuses to start behind such a pooler.

`LAPOR_DB_POOLER=pgbouncer-session` declares that DATABASE_URL points at a PgBouncer. Every
process (gunicorn worker, Celery worker and beat, the sync sweeper, `manage.py migrate` and
`check --database default`) then asks PgBouncer's admin console (`SHOW DATABASES`, `SHOW USERS`,
`SHOW CONFIG`) which pool mode applies to this database and user, and stops with an error naming
the mode unless it is `session`. The console is reached at LAPOR_DB_POOLER_ADMIN_URL, by default
DATABASE_URL with the database `pgbouncer` (the user must be in PgBouncer's `stats_users` or
`admin_users`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from lapor.env import redact_url

POOLERS = ("none", "pgbouncer-session")
SAFE_MODES = {"session"}


def _rows(cursor: Any, command: str) -> list[dict[str, Any]]:
    cursor.execute(command)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pgbouncer_pool_mode(admin_url: str, *, database: str, user: str) -> str:
    """The pool mode PgBouncer applies to `user` on `database` (user setting, then database, then global)."""
    import psycopg2

    parts = urlsplit(admin_url)
    conn = psycopg2.connect(
        host=parts.hostname or None,
        port=parts.port or 6432,
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        dbname=parts.path.lstrip("/") or "pgbouncer",
        connect_timeout=settings.DB_CONNECT_TIMEOUT,
    )
    # The admin console speaks the simple query protocol only and knows no transactions.
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            config = {row["key"]: row["value"] for row in _rows(cursor, "SHOW CONFIG")}
            databases = {row["name"]: row for row in _rows(cursor, "SHOW DATABASES")}
            users = {row["name"]: row for row in _rows(cursor, "SHOW USERS")}
    finally:
        conn.close()
    row = databases.get(database) or databases.get("*")
    if row is None:
        raise ImproperlyConfigured(f"PgBouncer has no pool for database {database!r}")
    for candidate in (users.get(user, {}).get("pool_mode"), row.get("pool_mode"), config.get("pool_mode")):
        if candidate:
            return str(candidate)
    return "session"  # PgBouncer's own default


def admin_url() -> str:
    if settings.LAPOR_DB_POOLER_ADMIN_URL:
        return str(settings.LAPOR_DB_POOLER_ADMIN_URL)
    return urlsplit(settings.DATABASE_URL)._replace(path="/pgbouncer", query="").geturl()


def pooler_problem() -> str | None:
    """Why this deployment must not start behind its pooler, or None when it may."""
    if settings.LAPOR_DB_POOLER != "pgbouncer-session":
        return None
    db = settings.DATABASES["default"]
    url = admin_url()
    try:
        mode = pgbouncer_pool_mode(url, database=db["NAME"], user=db["USER"] or "postgres")
    except ImproperlyConfigured as exc:
        return str(exc)
    except Exception as exc:  # any driver error: the pool mode cannot be confirmed
        first = str(exc).strip().splitlines()
        return (
            f"LAPOR_DB_POOLER=pgbouncer-session but PgBouncer's admin console at {redact_url(url)} "
            f"could not be asked for the pool mode ({type(exc).__name__}: {first[0] if first else ''}); "
            "put the user in PgBouncer's stats_users or set LAPOR_DB_POOLER_ADMIN_URL"
        )
    if mode not in SAFE_MODES:
        return (
            f"PgBouncer runs database {db['NAME']!r} in pool_mode={mode}; the platform needs pool_mode=session "
            "(each Pemda is a search_path, a session setting: transaction and statement pooling mix Pemda)"
        )
    return None


def pooler_require() -> None:
    """Raise ImproperlyConfigured at process start when the pooler would mix Pemda."""
    problem = pooler_problem()
    if problem is not None:
        raise ImproperlyConfigured(problem)


@register(Tags.database)
def pooler_check(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """`manage.py migrate` and `manage.py check --database default` refuse the same."""
    if not databases or "default" not in databases:
        return []
    problem = pooler_problem()
    return [] if problem is None else [Error(problem, id="lapor.E001")]
