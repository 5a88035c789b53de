"""Debian's nginx, configured from deploy/nginx/lapor.conf.template, in front of gunicorn started
from deploy/production/gunicorn.conf.py: the hub, two Pemda and a Pemda's own domain by host name
over TLS, static files, an attachment uploaded and opened, X-Forwarded-For handled.

Everything listens on loopback on free ports; nginx runs from a scratch directory with its own pid
file, logs and temp paths. The certificates come from a certificate authority made by the test.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from PIL import Image

from complaints.models import Attachment, Report
from deploy.nginx.render import HERE as TEMPLATES
from deploy.nginx.render import render
from tenants.models import Domain, Pemda
from tests.deploy.servers import NGINX, binary_or_skip, scratch_dir, stop, wait_port
from tests.deploy.tls import Authority
from tests.helpers import BIN, REPO, database_url, free_port, process_env

pytestmark = pytest.mark.slow

BASE = "lapor.test"  # hosts added to the test database's hub and Pemda (TLS allows no *.localhost)
OWN_DOMAIN = "lapor.bekasikota.test"
CLIENT_ADDRESS = "127.0.0.2"  # the citizen: not nginx's 127.0.0.1, which the platform trusts


@dataclass
class Stack:
    https_port: int
    http_port: int
    ca_file: Path
    static_root: Path
    media_root: Path

    def connection(self, host: str, *, port: int | None = None, tls: bool = True) -> http.client.HTTPConnection:
        """A client connection to nginx on 127.0.0.1 that says `host` (SNI and Host), as a browser would."""
        return _Connection(host, port or (self.https_port if tls else self.http_port), tls=tls, ca=self.ca_file)

    def get(self, host: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = self.connection(host)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


class _Connection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, tls: bool, ca: Path) -> None:
        context = ssl.create_default_context(cafile=str(ca))
        super().__init__(host, port, timeout=60, context=context, source_address=(CLIENT_ADDRESS, 0))
        self.tls = tls
        self.tls_context = context

    def connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        if self.tls:
            self.sock = self.tls_context.wrap_socket(self.sock, server_hostname=self.host)


def _main_config(work: Path, site: Path) -> str:
    """The host's nginx.conf around the shipped site file: paths a test may write, no root needed."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work / "access.log"};
{temp}
    include {site};
}}
"""


@pytest.fixture(scope="module")
def stack(tenants_registry: dict[str, Pemda], django_db_blocker: Any) -> Iterator[Stack]:
    binary_or_skip(NGINX, "nginx", "LAPOR_REQUIRE_NGINX")
    work = scratch_dir("test-nginx-")
    var = work / "var"
    tls_dir = work / "tls"
    ca = Authority()
    ca_file = work / "ca.pem"
    ca_file.write_bytes(ca.pem())
    ca.issue([BASE, f"*.{BASE}"], tls_dir / "wildcard.crt", tls_dir / "wildcard.key")
    ca.issue(
        [OWN_DOMAIN],
        tls_dir / "domains" / OWN_DOMAIN / "fullchain.pem",
        tls_dir / "domains" / OWN_DOMAIN / "privkey.pem",
    )
    for path in [tls_dir, *tls_dir.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    with django_db_blocker.unblock():
        for slug, host in (("hub", BASE), ("jakarta", f"jakarta.{BASE}"), ("bekasi", f"bekasi.{BASE}")):
            Domain.objects.get_or_create(domain=host, defaults={"tenant": tenants_registry[slug], "is_primary": False})
        Domain.objects.get_or_create(
            domain=OWN_DOMAIN, defaults={"tenant": tenants_registry["bekasi"], "is_primary": False}
        )
        db_url = database_url(connection.settings_dict)
    env = process_env(
        DATABASE_URL=db_url,
        LAPOR_VAR_DIR=str(var),
        LAPOR_BIND=f"127.0.0.1:{free_port()}",
        LAPOR_WEB_WORKERS="2",
        LAPOR_TRUSTED_PROXIES="127.0.0.1/32",
        LAPOR_BEHIND_TLS_PROXY="1",
        LAPOR_SECURE_COOKIES="1",
        DJANGO_ALLOWED_HOSTS=f"{BASE},.{BASE},{OWN_DOMAIN}",
        LAPOR_BASE_DOMAIN=BASE,
        LAPOR_LOG_LEVEL="warning",
    )
    # The static files as a deployment collects them (post-processing, i.e. compression, skipped for time).
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "collectstatic", "--noinput", "--no-post-process"],
        env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL, timeout=300,
    )  # fmt: skip
    upstream = env["LAPOR_BIND"]
    https_port, http_port = free_port(), free_port()
    site = work / "lapor.conf"
    site.write_text(
        render(
            (TEMPLATES / "lapor.conf.template").read_text(),
            {
                "LAPOR_BASE_DOMAIN": BASE,
                "LAPOR_UPSTREAM": upstream,
                "LAPOR_HTTP_PORT": f"127.0.0.1:{http_port}",
                "LAPOR_HTTPS_PORT": f"127.0.0.1:{https_port}",
                "LAPOR_STATIC_ROOT": str(var / "static"),
                "LAPOR_TLS_DIR": str(tls_dir),
                "LAPOR_ACME_ROOT": str(work / "acme"),
                "LAPOR_CLIENT_MAX_BODY": "32m",
            },
        )
    )
    (work / "nginx.conf").write_text(_main_config(work, site))
    for path in [work, *work.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    check = subprocess.run(
        [str(NGINX), "-t", "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(REPO / "deploy" / "production" / "gunicorn.conf.py")],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    nginx = subprocess.Popen(
        [str(NGINX), "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")],
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(int(upstream.rsplit(":", 1)[1]), proc=web, what="gunicorn", timeout=90)
        wait_port(https_port, proc=nginx, what="nginx")
        yield Stack(
            https_port=https_port,
            http_port=http_port,
            ca_file=ca_file,
            static_root=var / "static",
            media_root=var / "media",
        )
    finally:
        stop(nginx)
        stop(web)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def test_hub_and_each_pemda_answer_on_their_own_host_over_tls(stack: Stack) -> None:
    pages = {host: stack.get(host, "/") for host in (BASE, f"jakarta.{BASE}", f"bekasi.{BASE}", OWN_DOMAIN)}
    for host, (status, headers, _body) in pages.items():
        assert status == 200, host
        assert headers["strict-transport-security"].startswith("max-age="), host
    assert b"Provinsi DKI Jakarta" in pages[f"jakarta.{BASE}"][2]
    assert b"Kota Bekasi" not in pages[f"jakarta.{BASE}"][2]
    assert b"Kota Bekasi" in pages[f"bekasi.{BASE}"][2]
    assert b"Provinsi DKI Jakarta" not in pages[f"bekasi.{BASE}"][2]
    # Bekasi's own domain, with its own certificate, serves Bekasi.
    assert b"Kota Bekasi" in pages[OWN_DOMAIN][2]
    # The hub lists the connected Pemda rather than being one of them.
    hub = pages[BASE][2]
    assert b"Provinsi DKI Jakarta" in hub and b"Kota Bekasi" in hub
    # Links the platform builds (the private link, redirects) carry https: it believed nginx's X-Forwarded-Proto.
    status, headers, _ = stack.get(f"jakarta.{BASE}", "/konsol/")
    assert status == 302
    assert headers["location"].startswith("/masuk/") or headers["location"].startswith("https://")


def test_a_name_without_a_certificate_gets_no_tls(stack: Stack) -> None:
    with pytest.raises(ssl.SSLError):
        stack.get("tidak-terdaftar.test", "/")


def test_plain_http_is_sent_to_https_on_the_same_host(stack: Stack) -> None:
    conn = stack.connection(f"jakarta.{BASE}", tls=False)
    conn.request("GET", "/lacak/?nomor=1")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 308
    assert response.getheader("Location") == f"https://jakarta.{BASE}/lacak/?nomor=1"


def test_static_files_are_served_by_nginx(stack: Stack) -> None:
    _status, _headers, page = stack.get(f"bekasi.{BASE}", "/")
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', page)
    assert stylesheet is not None
    status, headers, body = stack.get(f"bekasi.{BASE}", stylesheet.group(1).decode())
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert body == (stack.static_root / stylesheet.group(1).decode().removeprefix("/static/")).read_bytes()
    # nginx's `expires 1h`, not WhiteNoise's 60 s: the file never reached gunicorn.
    assert "max-age=3600" in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"


def test_an_attachment_uploaded_and_opened_through_nginx(
    stack: Stack, tenants_registry: dict[str, Pemda], django_db_blocker: Any
) -> None:
    photo = _jpeg()
    title = f"Trotoar rusak {uuid.uuid4().hex[:6]}"
    content_type, body = _multipart(
        {
            "type": "pengaduan",
            "category": "jalan",
            "title": title,
            "text": "Trotoar di depan pasar pecah dan berlubang, pejalan kaki turun ke jalan.",
            "privacy": "public",
        },
        {"attachments": ("trotoar.jpg", "image/jpeg", photo)},
    )
    conn = stack.connection(f"jakarta.{BASE}")
    conn.request("POST", "/api/v1/reports/", body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    assert response.status == 201, answer
    with django_db_blocker.unblock(), tenant_context(tenants_registry["jakarta"]):
        report = Report.objects.get(tracking_id=answer["tracking_id"])
        attachment = Attachment.objects.get(report=report)
        stored_name = str(attachment.file.name)
    connection.close()
    status, headers, content = stack.get(f"jakarta.{BASE}", f"/lampiran/{attachment.pk}/")
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(content).hexdigest() == attachment.sha256
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("sandbox")
    assert (stack.media_root / stored_name).exists()
    # The same attachment is not Bekasi's; the storage path is not a URL anyone can open.
    assert stack.get(f"bekasi.{BASE}", f"/lampiran/{attachment.pk}/")[0] == 404
    for guess in (f"/media/{stored_name}", f"/{stored_name}", f"/static/../media/{stored_name}"):
        assert stack.get(f"jakarta.{BASE}", guess)[0] == 404, guess


def test_forwarded_for_from_the_client_is_not_believed(stack: Stack, django_db_blocker: Any) -> None:
    """A failed login through nginx is counted against the client's real address, not the one it claims."""
    host = f"jakarta.{BASE}"
    conn = stack.connection(host)
    conn.request("GET", "/masuk/")
    response = conn.getresponse()
    page = response.read()
    cookies = SimpleCookie()
    for value in response.msg.get_all("Set-Cookie") or []:
        cookies.load(value)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    assert "Secure" in (response.getheader("Set-Cookie") or "") or cookies["csrftoken"]["secure"]
    username = f"penyusup-{uuid.uuid4().hex[:8]}"
    form = f"csrfmiddlewaretoken={token.group(1).decode()}&username={username}&password=salah-sekali"
    conn.request(
        "POST",
        "/masuk/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken'].value}",
            "Origin": f"https://{host}",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 400  # the wrong password, answered (not a CSRF refusal)
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT ip_address FROM public.axes_accessattempt WHERE username = %s", [username])
        addresses = [row[0] for row in cursor.fetchall()]
    connection.close()
    assert addresses == [CLIENT_ADDRESS]
