"""Debian's nginx and PgBouncer started by tests on loopback: own temp directory, unusual ports.

Each helper skips the test where the binary is missing, unless CI demands it with
LAPOR_REQUIRE_NGINX=1 / LAPOR_REQUIRE_PGBOUNCER=1 (set in .ci/run, which installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO, free_port

NGINX = Path(os.environ.get("LAPOR_NGINX", "/usr/sbin/nginx"))
PGBOUNCER = Path(os.environ.get("LAPOR_PGBOUNCER", "/usr/sbin/pgbouncer"))


def binary_or_skip(binary: Path, package: str, require: str) -> None:
    if binary.exists():
        return
    message = f"{binary} is missing (Debian's {package}; .ci/run installs it)"
    if os.environ.get(require) == "1":
        pytest.fail(message)
    pytest.skip(message)


def scratch_dir(prefix: str) -> Path:
    """A directory under var/ that an unprivileged server process may read (and write)."""
    (REPO / "var").mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=REPO / "var"))
    path.chmod(0o777)
    return path


def wait_port(port: int, *, proc: subprocess.Popen[bytes], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Bouncer:
    port: int
    database: str
    pool_mode: str
    log: Path

    def url(self, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{self.database}"


@contextmanager
def pgbouncer(*, database: str, pg_host: str, pg_port: int, pool_mode: str, pool_size: int = 1) -> Iterator[Bouncer]:
    """PgBouncer on 127.0.0.1:<free port> in front of `database`, trusting the local user postgres."""
    binary_or_skip(PGBOUNCER, "pgbouncer", "LAPOR_REQUIRE_PGBOUNCER")
    work = scratch_dir("test-pgbouncer-")
    port = free_port()
    (work / "userlist.txt").write_text('"postgres" ""\n')
    (work / "pgbouncer.ini").write_text(
        f"""[databases]
{database} = host={pg_host} port={pg_port} dbname={database}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work / "userlist.txt"}
admin_users = postgres
pool_mode = {pool_mode}
default_pool_size = {pool_size}
max_client_conn = 50
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits
"""
    )
    for child in work.iterdir():
        child.chmod(0o644)
    log = work / "pgbouncer.log"
    # PgBouncer refuses to run as root: as root, it drops to nobody once the config is read.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PGBOUNCER), *user, str(work / "pgbouncer.ini")], stdout=out, stderr=subprocess.STDOUT, cwd=work
        )
    try:
        wait_port(port, proc=proc, what="pgbouncer")
        yield Bouncer(port=port, database=database, pool_mode=pool_mode, log=log)
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
