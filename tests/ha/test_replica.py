"""Read replica: a primary and a streaming standby (Debian's PostgreSQL 15) on loopback, the
platform migrated on the primary and served by gunicorn with DATABASE_REPLICA_URL set.

Shown: the public monitoring page, open data, the pimpinan dashboard and the hub league are read
from the standby (its statement log holds their SELECTs under the Pemda's search_path, the
primary's does not); a write through the
`replica` alias is refused by PostgreSQL; /readyz reports the lag; a standby paused behind more
than LAPOR_REPLICA_MAX_LAG_SECONDS, or stopped, leaves the pages served from the primary.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.ha import postgres as pg
from tests.helpers import free_port
from tests.two_factor import code_for

pytestmark = pytest.mark.slow

JAKARTA = "jakarta.localhost"


class Log:
    """What a server logged since the last mark."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size

    def since(self) -> str:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")


def _wait_caught_up(primary_port: int, replica_port: int) -> None:
    want = pg.query(primary_port, "SELECT pg_current_wal_lsn()::text")[0][0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if pg.query(replica_port, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [want])[0][0]:
            return
        time.sleep(0.1)
    raise AssertionError("the standby did not catch up within 30 s")


def _tenant_reads(log: str) -> list[str]:
    """The statements of a log that read a Pemda's own tables."""
    return [
        line for line in log.splitlines() if "SELECT" in line and ('"complaints_' in line or '"performance_' in line)
    ]


def _served_from(
    primary: Log, replica: Log, port: int, path: str, host: str = JAKARTA, cookie: str = ""
) -> tuple[str, str]:
    primary.mark()
    replica.mark()
    status, body = pg.http_get(port, path, host, cookie=cookie)
    assert status == 200, body[:500]
    time.sleep(0.3)  # the servers' log lines reach the files
    return primary.since(), replica.since()


def test_read_only_pages_read_from_the_streaming_replica() -> None:
    pg.binaries_or_skip([pg.PG_BIN / "initdb", pg.PG_BIN / "pg_basebackup"], "postgresql-15", "POSTGRES_HA")
    primary_port, replica_port, web_port = free_port(), free_port(), free_port()
    with pg.workdir("lapor-replica-") as work:
        primary_dir, replica_dir = work / "primary", work / "replica"
        logged = "-c log_statement=all -c log_min_messages=warning"
        try:
            pg.initdb(primary_dir)
            pg.pg_ctl_start(primary_dir, pg.server_options(primary_port, work, logged))
            pg.query(primary_port, "CREATE DATABASE lapor")
            pg.run(
                [
                    str(pg.PG_BIN / "pg_basebackup"),
                    *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
                    *("-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast"),
                ]
            )
            pg.pg_ctl_start(replica_dir, pg.server_options(replica_port, work, logged))
            assert pg.query(replica_port, "SELECT pg_is_in_recovery()")[0][0] is True

            var_dir = work / "var"
            env = pg.app_env(
                var_dir,
                f"postgres://postgres@127.0.0.1:{primary_port}/lapor",
                DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{replica_port}/lapor",
                LAPOR_REPLICA_MAX_LAG_SECONDS="2",
                LAPOR_REPLICA_CHECK_SECONDS="0",  # every page measures the lag afresh
            )
            pg.app_prepare(env, var_dir)
            # The admin signs in with the second step: an authenticator with the tests' known key.
            pg.manage(env, "shell", "-c", "from tests.two_factor import otp_enrol; otp_enrol('admin')")
            _wait_caught_up(primary_port, replica_port)
            schema = pg.query(
                primary_port, "SELECT schema_name FROM tenants_pemda WHERE slug = 'jakarta'", dbname="lapor"
            )
            schema_name = schema[0][0]

            primary_log, replica_log = Log(primary_dir / "server.log"), Log(replica_dir / "server.log")
            with pg.gunicorn(env, web_port):
                # Lag reported: the standby is streaming and caught up.
                status, body = pg.http_get(web_port, "/readyz", "localhost")
                ready = json.loads(body)
                assert status == 200, ready
                replica = ready["replica"]
                assert replica["ok"] is True and replica["in_recovery"] is True, replica
                assert replica["wal_receiver"] == "streaming" and 0 <= replica["lag_s"] <= 2, replica

                # Public monitoring: the reports are read on the standby, in the Pemda's schema.
                on_primary, on_replica = _served_from(primary_log, replica_log, web_port, "/pantau/")
                assert "complaints_report" in on_replica, on_replica[-3000:]
                assert f'SET search_path = "{schema_name}"' in on_replica, on_replica[-3000:]
                assert "complaints_report" not in on_primary, on_primary[-3000:]
                # Open data, of the Pemda and of the hub.
                on_primary, on_replica = _served_from(primary_log, replica_log, web_port, "/data/")
                assert _tenant_reads(on_replica) and not _tenant_reads(on_primary), (
                    on_primary[-3000:],
                    on_replica[-3000:],
                )
                on_primary, on_replica = _served_from(
                    primary_log, replica_log, web_port, "/data/datapackage.json", "localhost"
                )
                assert "SELECT" in on_replica, on_replica[-3000:]
                # The pimpinan dashboard and the hub's league, signed in (who is signed in is read on the primary).
                password = (var_dir / "admin.txt").read_text().strip()
                cookie = pg.sign_in(web_port, JAKARTA, "admin", password, code=code_for())
                on_primary, on_replica = _served_from(
                    primary_log, replica_log, web_port, "/konsol/kinerja/", cookie=cookie
                )
                assert _tenant_reads(on_replica) and not _tenant_reads(on_primary), (
                    on_primary[-3000:],
                    on_replica[-3000:],
                )
                assert "accounts_membership" in on_primary and "accounts_membership" not in on_replica
                # The next 30-second step's code: the one just used is not accepted twice.
                cookie = pg.sign_in(web_port, "localhost", "admin", password, code=code_for(at=time.time() + 30))
                on_primary, on_replica = _served_from(
                    primary_log, replica_log, web_port, "/konsol/liga/", "localhost", cookie=cookie
                )
                assert "national_hub_pemdastatsmonth" in on_replica, on_replica[-3000:]
                assert "national_hub_pemdastatsmonth" not in on_primary, on_primary[-3000:]
                # A page outside the list reads from the primary only.
                on_primary, on_replica = _served_from(primary_log, replica_log, web_port, "/lapor/")
                assert "SELECT" not in on_replica.replace("SELECT pg_is_in_recovery()", ""), on_replica[-3000:]

                # A standby too far behind: replay paused while the primary commits.
                pg.query(replica_port, "SELECT pg_wal_replay_pause()")
                pg.query(primary_port, "UPDATE tenants_pemda SET name = name", dbname="lapor")
                time.sleep(3)
                status, body = pg.http_get(web_port, "/readyz", "localhost")
                replica = json.loads(body)["replica"]
                assert status == 200 and replica["ok"] is False and replica["lag_s"] > 2, replica
                on_primary, on_replica = _served_from(primary_log, replica_log, web_port, "/pantau/")
                assert "complaints_report" in on_primary and "complaints_report" not in on_replica, on_primary[-3000:]
                pg.query(replica_port, "SELECT pg_wal_replay_resume()")
                _wait_caught_up(primary_port, replica_port)
                on_primary, on_replica = _served_from(primary_log, replica_log, web_port, "/pantau/")
                assert "complaints_report" in on_replica, on_replica[-3000:]

                # A write through the replica alias: PostgreSQL refuses it.
                out = pg.manage(
                    env,
                    "shell",
                    "-c",
                    "from django.db import DatabaseError\n"
                    "from tenants.models import Pemda\n"
                    "try:\n"
                    "    Pemda.objects.using('replica').filter(slug='jakarta').update(name='X')\n"
                    "    print('WRITTEN')\n"
                    "except DatabaseError as exc:\n"
                    "    print('REFUSED', type(exc.__cause__).__name__, exc)\n",
                )
                assert "REFUSED ReadOnlySqlTransaction" in out and "read-only transaction" in out, out
                assert (
                    pg.query(primary_port, "SELECT name FROM tenants_pemda WHERE slug = 'jakarta'", dbname="lapor")[0][
                        0
                    ]
                    != "X"
                )

                # The standby gone: the pages are served from the primary, /readyz says why.
                pg.pg_ctl_stop(replica_dir, "immediate")
                status, body = pg.http_get(web_port, "/pantau/", JAKARTA)
                assert status == 200, body[:500]
                status, body = pg.http_get(web_port, "/readyz", "localhost")
                replica = json.loads(body)["replica"]
                assert status == 200 and replica["ok"] is False and "error" in replica, replica
        finally:
            pg.pg_ctl_stop(replica_dir, "immediate")
            pg.pg_ctl_stop(primary_dir, "immediate")
