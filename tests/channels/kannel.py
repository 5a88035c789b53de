"""A real Kannel for the SMS tests and the channels benchmark: bearerbox and smsbox from Debian's
`kannel`, and the fake SMSC (`fakesmsc`, from `kannel-extras`) standing where an operator's SMSC
link would, all on loopback ports of their own.

`Gateway.send(sender, to, text)` makes the fake SMSC deliver one SMS to bearerbox (as a phone
would through the operator); smsbox calls the platform's `/channels/kannel/sms/`; the platform's
reply leaves through smsbox's sendsms and bearerbox back to the fake SMSC, whose output
`Gateway.received()` reads.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import free_port

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
SENDSMS_USER, SENDSMS_PASSWORD = "lapor", "sandi-kannel-uji"


def kannel_or_skip() -> None:
    """Skip where Kannel is absent, unless CI demands it (LAPOR_REQUIRE_KANNEL=1 in .ci/run)."""
    missing = [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not p.exists()]
    if missing:
        message = f"{', '.join(missing)} missing (Debian's kannel and kannel-extras; .ci/run installs them)"
        if os.environ.get("LAPOR_REQUIRE_KANNEL") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _config(directory: Path, *, ports: dict[str, int], key: str, platform_url: str) -> str:
    get_url = f"{platform_url}/channels/kannel/sms/?key={key}&from=%p&to=%P&text=%a&id=%I&time=%T"
    return f"""
group = core
admin-port = {ports["admin"]}
admin-password = admin-uji
admin-allow-ip = "127.0.0.1"
smsbox-port = {ports["smsbox"]}
box-allow-ip = "127.0.0.1"
log-file = "{directory}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {ports["fake"]}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports["smsbox"]}
sendsms-port = {ports["sendsms"]}
sendsms-interface = 127.0.0.1
log-file = "{directory}/smsbox.log"
log-level = 1

group = sendsms-user
username = {SENDSMS_USER}
password = {SENDSMS_PASSWORD}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"""


@dataclass
class Gateway:
    directory: Path
    ports: dict[str, int]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fake: subprocess.Popen[bytes] | None = None

    def send(self, sender: str, to: str, text: str) -> None:
        """One SMS from `sender` to our number `to`, through the fake SMSC (a fresh connection each)."""
        self._stop_fake()
        fake = subprocess.Popen(
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.ports["fake"]), "-i", "0.1", "-m", "1",
             f"{sender} {to} text {text}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self._fake = fake
        threading.Thread(target=self._read, args=(fake,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            with self._lock:
                self._lines.append(raw.decode(errors="replace"))

    def received(self, recipient: str, *, contains: str, timeout: float = 30.0) -> str:
        """The fake SMSC's line of an SMS to `recipient` containing `contains` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self._lines:
                    if "Got message" in line and recipient in line and contains in line:
                        return line
            time.sleep(0.1)
        with self._lock:
            seen = "".join(self._lines[-20:])
        raise AssertionError(
            f"no SMS to {recipient} containing {contains!r} within {timeout} s; fakesmsc said:\n{seen}"
        )

    def joined(self, recipient: str, *, starts: str, timeout: float = 30.0) -> str:
        """The text of a concatenated SMS to `recipient` whose first part starts with `starts`: its
        parts (fakesmsc's `udh … data …` lines: the user data header and the part, URL-encoded)
        put back together by the concatenation header's reference, count and sequence number."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages: dict[int, dict[int, str]] = {}
            totals: dict[int, int] = {}
            with self._lock:
                lines = list(self._lines)
            for line in lines:
                found = re.search(r"Got message \d+: <(\S+) (\S+) udh (\S+) (?:data )?(.*)>\s*$", line)
                if found is None or found.group(2).lstrip("+") != recipient.lstrip("+"):
                    continue
                udh = urllib.parse.unquote_to_bytes(found.group(3))
                # 05 00 03 <reference> <count> <sequence>: the 8-bit concatenation element.
                if len(udh) < 6 or udh[1] != 0x00:
                    continue
                reference, count, sequence = udh[3], udh[4], udh[5]
                totals[reference] = count
                messages.setdefault(reference, {})[sequence] = urllib.parse.unquote_plus(found.group(4))
            for reference, parts in messages.items():
                if len(parts) == totals[reference]:
                    text = "".join(parts[n] for n in sorted(parts))
                    if text.startswith(starts):
                        return text
            time.sleep(0.1)
        with self._lock:
            seen = "".join(self._lines[-20:])
        raise AssertionError(f"no concatenated SMS to {recipient} starting {starts!r}; fakesmsc said:\n{seen}")

    def _stop_fake(self) -> None:
        if self._fake is not None and self._fake.poll() is None:
            os.killpg(self._fake.pid, signal.SIGTERM)
            self._fake.wait(timeout=10)

    def stop(self) -> None:
        self._stop_fake()
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def kannel_ports() -> dict[str, int]:
    """Ports for a gateway, chosen before it starts (the platform must know where sendsms is)."""
    return {name: free_port() for name in ("admin", "smsbox", "sendsms", "fake")}


def sendsms_url(ports: dict[str, int]) -> str:
    return f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms"


@contextmanager
def running_kannel(*, key: str, platform_url: str, ports: dict[str, int] | None = None) -> Iterator[Gateway]:
    directory = Path(tempfile.mkdtemp(prefix="lapor-kannel-"))
    ports = ports or kannel_ports()
    config = directory / "kannel.conf"
    config.write_text(_config(directory, ports=ports, key=key, platform_url=platform_url))
    gateway = Gateway(directory=directory, ports=ports)
    try:
        for binary in (BEARERBOX, SMSBOX):
            gateway.processes.append(
                subprocess.Popen(
                    [str(binary), str(config)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            time.sleep(0.5 if binary == BEARERBOX else 0)
        _wait_for_port(ports["sendsms"])
        yield gateway
    finally:
        gateway.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"Kannel did not open port {port} within {timeout} s")
