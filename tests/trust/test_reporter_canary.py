"""The reporter canary: an anonim reporter with a distinctive name, phone, e-mail, NIK and photo
metadata files by the API and by SMS; their reports are verified, disposed, answered, published,
and one is referred to another Pemda. Then everything an agency, a K/L, the hub or the public can
receive is searched — every page and API answer of every route for every role, the dashboard and
open-data exports, the Open311 feeds, notifications sent to officers — and every text column of
every table of both Pemda, the hub and public (what a database dump holds, sync payloads
included). Zero hits outside the verifikator's audited reveal.

A second test follows the anonim reporter's reports to a K/L that runs its own system: what the
sync HTTP transport actually sends over the wire (request line, headers and body of every
webhook) is captured by a live HTTP server on loopback and searched.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import Membership, Role
from complaints.models import AuditEvent, Notification, Report
from national_hub.models import HubReferral
from national_hub.registry.models import Connector, Instansi
from sync.models import Peer
from sync.signing import peer_key_issue
from tenants.models import ChannelAddress, Pemda
from tests.complaints.conftest import Api
from tests.helpers import free_port
from tests.sync.conftest import drain
from tests.sync.test_http_inbox import KEY_ID, SECRET, _mac, _post, _update
from tests.trust.test_isolation_matrix import PARAM, _routes

NAME, PHONE, EMAIL, NIK = "Kanari Wibisono", "081399988877", "kanari.wibisono@contoh.id", "3171019999990002"
CANARIES = (NAME, PHONE, "6281399988877", EMAIL, NIK, "KameraKanari")
HOST, HUB = "jakarta.localhost", "localhost"
KEY = "kunci-kanari"


def _photo() -> bytes:
    image = Image.new("RGB", (40, 30), (90, 160, 40))
    exif = Image.Exif()
    exif[0x010F] = "KameraKanari"  # Make
    exif[0x013B] = NAME  # Artist
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _found(blob: bytes) -> list[str]:
    text = blob.decode("utf-8", "replace").lower()
    return [c for c in CANARIES if c.lower() in text]


def _body(response: Any) -> bytes:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # an xlsx export: search the workbook's parts
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            raw += b"".join(book.read(name) for name in book.namelist())
    return raw + " ".join(f"{k}: {v}" for k, v in response.items()).encode()


def _text_columns_with_canaries(schemas: list[str]) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = ANY(%s) AND data_type IN ('text', 'character varying', 'json', 'jsonb')",
            [schemas],
        )
        for schema, table, column in cursor.fetchall():
            for canary in CANARIES:
                cursor.execute(
                    f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}"::text ILIKE %s', [f"%{canary}%"]
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{schema}.{table}.{column}: {canary}")
    return hits


def test_no_surface_but_the_audited_reveal_shows_the_anonim_reporter(
    api: Api, cast: dict[str, User], units: Any, jakarta: Pemda, bekasi: Pemda, hub: Pemda, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LAPOR_KANNEL = {**settings.LAPOR_KANNEL, "secret": KEY}
    ChannelAddress.objects.create(kind="sms", address="+6281100000031", tenant=jakarta)
    photo = SimpleUploadedFile("kanari.jpg", _photo(), content_type="image/jpeg")
    filed = api.client.post(
        "/api/v1/reports/",
        {"category": "jalan", "title": "Jalan amblas di Jalan Kenari", "privacy": "anonim",
         "text": "Jalan amblas sedalam satu meter di depan sekolah, sudah dua motor terperosok.",
         "reporter_name": NAME, "reporter_phone": PHONE, "reporter_email": EMAIL, "reporter_nik": NIK,
         "attachments": [photo]},
        HTTP_HOST=HOST,
    )  # fmt: skip
    assert filed.status_code == 201, filed.content
    sms = Client(HTTP_HOST=HUB).get(
        "/channels/kannel/sms/",
        {"key": KEY, "from": "+6281399988877", "to": "+6281100000031", "id": "kanari-1",
         "text": "LAPOR Lampu jalan mati di Gang Kenari sejak seminggu"},
    )  # fmt: skip
    assert sms.status_code == 200
    with tenant_context(jakarta):
        reports = list(Report.objects.order_by("pk"))[:2]
    assert len(reports) == 2
    for report in reports:
        assert (
            api.post(f"/api/v1/officer/reports/{report.pk}/verify/", {"unit_id": units.dbm.pk}, user="vera").status_code
            == 200
        )
        answered = api.post(
            f"/api/v1/officer/reports/{report.pk}/followups/",
            {"text": "Sudah diperbaiki oleh tim jalan.", "final": True},
            user="olga",
        )
        assert answered.status_code == 201

    # A third report is about a Bekasi road: referred there through sync (payloads kept in the outbox).
    elsewhere = api.post(
        "/api/v1/reports/",
        {"category": "jalan", "title": "Jalan berlubang di Jalan Ahmad Yani Bekasi", "privacy": "anonim",
         "text": "Lubang besar di depan Summarecon Bekasi, sudah dua motor jatuh minggu ini.",
         "region_code": "32.75.01.1001", "kelurahan": "Marga Jaya", "reporter_name": NAME,
         "reporter_phone": PHONE, "reporter_email": EMAIL, "reporter_nik": NIK},
    )  # fmt: skip
    assert elsewhere.status_code == 201, elsewhere.content
    referred_id = api.officer_id(elsewhere.json()["tracking_id"])
    refer = api.post(f"/api/v1/officer/reports/{referred_id}/refer/", {"reason": "Bukan wewenang DKI"}, user="vera")
    assert refer.status_code == 200, refer.content
    assert drain() >= 1  # delivered to Bekasi
    with tenant_context(bekasi):
        assert Report.objects.filter(tracking_id=elsewhere.json()["tracking_id"]).exists()

    hubert = User.objects.create_user("hubert-k", password="hubert-k-pass-123")
    Membership.objects.create(user=hubert, tenant=hub, role=Role.HUB_OPERATOR)
    roles: dict[str, Client] = {"anonymous": Client()}
    for name in ("vera", "adi", "hana", "otto", "olga", "pia", "audi"):
        roles[name] = Client()
        roles[name].force_login(cast[name])
    roles["hubert"] = Client()
    roles["hubert"].force_login(hubert)

    ids = {"report_id": [str(r.pk) for r in reports], "tracking_id": [r.tracking_id for r in reports],
           "attachment_id": ["1"], "fmt": ["csv", "json", "xml"], "name": ["laporan-bulanan", "laporan-skpd"],
           "code": ["jalan", jakarta.code], "action": ["balas"], "token": ["0" * 32], "referral_id": ["1"],
           "rule_id": ["1"], "object_id": ["1"], "content_type_id": ["1"], "id": ["1"], "pk": ["1"]}  # fmt: skip
    leaks: list[str] = []
    checked = 0
    for urlconf, host in (("lapor.urls_tenant", HOST), ("lapor.urls_public", HUB)):
        for route in _routes(urlconf):
            if "(?P<" in route or "^" in route:
                continue
            paths = ["/" + route]
            for match in PARAM.finditer(route):
                paths = [p.replace(match.group(0), v, 1) for p in paths for v in ids[match.group(2)]]
            for path in paths:
                queries = [{}, {"format": "csv"}, {"format": "xlsx"}] if "kinerja" in path or "liga" in path else [{}]
                for role, client in roles.items():
                    for query in queries:
                        response = client.get(path, {**query, "jurisdiction_id": HOST} if host == HUB else query,
                                              HTTP_HOST=host)  # fmt: skip
                        checked += 1
                        found = _found(_body(response))
                        if found:
                            leaks.append(f"{role} GET {host}{path} {query} -> {response.status_code}: {found}")

    # The verifikator's audited reveal shows the identity, and only it; the reveal is in the audit trail.
    revealed = api.post(
        f"/api/v1/officer/reports/{reports[0].pk}/reveal-identity/", {"reason": "Perlu klarifikasi lokasi"}, user="vera"
    )
    assert revealed.status_code == 200 and NAME in revealed.content.decode()
    with tenant_context(jakarta):
        assert AuditEvent.objects.filter(report_id=reports[0].pk, action="identity_revealed").exists()
        officer_mail = [n for n in Notification.objects.all() if n.user_id is not None]
        leaks += [
            f"notification {n.pk}: {_found(str(vars(n)).encode())}"
            for n in officer_mail
            if _found(str(vars(n)).encode())
        ]
    leaks += [
        f"mail to {m.to}: {_found(m.body.encode())}"
        for m in mail.outbox
        if EMAIL not in m.to and _found(m.body.encode())
    ]
    stored = _text_columns_with_canaries([jakarta.schema_name, bekasi.schema_name, hub.schema_name, "public"])
    print(f"reporter canary: {checked} responses searched, {len(leaks)} leaks, {len(stored)} plaintext columns")
    assert not leaks, "\n".join(leaks[:40])
    assert not stored, "\n".join(stored)


class Wire:
    """Everything a K/L's own system received: each request as it came over the socket."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.signed: list[bool] = []


@pytest.fixture
def kl_wire() -> Iterator[tuple[Wire, str]]:
    wire = Wire()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            wire.requests.append(f"{self.requestline}\r\n{self.headers}".encode() + body)
            # The K/L checks the signature with its own copy of the key: this is what it accepts.
            mac = _mac(self.headers["X-Lapor-Timestamp"], self.headers["X-Lapor-Nonce"], body)
            wire.signed.append(mac == self.headers["X-Lapor-Signature"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "queued"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield wire, f"http://127.0.0.1:{server.server_address[1]}/lapor/webhook"
    finally:
        server.shutdown()
        server.server_close()


def test_no_webhook_to_a_kl_system_carries_the_anonim_reporter(
    api: Api, sync_cast: dict[str, User], hub: Pemda, kl_wire: tuple[Wire, str]
) -> None:
    wire, url = kl_wire
    Instansi.objects.filter(code="kemenkes").update(connector=Connector.WEBHOOK)
    peer = Peer.objects.create(code="kemenkes", name="Kementerian Kesehatan", inbox_url=url)
    peer_key_issue(peer=peer, key_id=KEY_ID, secret=SECRET)

    filed = []
    for privacy in ("anonim", "anonim_rahasia"):
        photo = SimpleUploadedFile("kanari.jpg", _photo(), content_type="image/jpeg")
        response = api.client.post(
            "/api/v1/reports/",
            {"category": "kesehatan", "title": "Obat program TB kosong di puskesmas", "privacy": privacy,
             "text": "Sudah tiga minggu obat TB program nasional tidak tersedia di puskesmas kecamatan.",
             "reporter_name": NAME, "reporter_phone": PHONE, "reporter_email": EMAIL, "reporter_nik": NIK,
             "attachments": [photo]},
            HTTP_HOST=HOST,
        )  # fmt: skip
        assert response.status_code == 201, response.content
        filed.append(response.json())
        report_id = api.officer_id(filed[-1]["tracking_id"])
        refer = api.post(
            f"/api/v1/officer/reports/{report_id}/refer/",
            {"reason": "Wewenang Kementerian Kesehatan", "target_code": "kemenkes"},
            user="vera",
        )
        assert refer.status_code == 200, refer.content
    drain()
    assert len(wire.requests) == 2  # the two referrals, delivered to the K/L's system

    # The K/L answers through the inbox; each reporter disputes the answer, which goes on to the K/L.
    for submitted in filed:
        key = HubReferral.objects.get(tracking_id=submitted["tracking_id"]).referral_key
        answer = {"id": f"kemenkes:{key}", "text": "Stok OAT dikirim ke Dinkes DKI minggu ini.", "is_final": True}
        assert _post(_update(key, 2, "answered", [answer])).status_code == 200
    drain()
    for submitted in filed:
        replied = api.client.post(
            f"/api/v1/reports/track/{submitted['tracking_id']}/replies/",
            {"text": "Obat belum sampai di puskesmas kami sampai hari ini."},
            HTTP_HOST=HOST,
            HTTP_X_REPORTER_TOKEN=submitted["reporter_token"],
        )
        assert replied.status_code == 201, replied.content
    drain()

    kinds = [b'"kind":"referral.deliver"' in r for r in wire.requests]
    assert sum(kinds) == 2 and len(wire.requests) >= 4, [r[:200] for r in wire.requests]
    assert all(wire.signed)
    hits = [f"request {n}: {_found(r)}" for n, r in enumerate(wire.requests) if _found(r)]
    print(
        f"K/L webhook canary: {len(wire.requests)} requests, {sum(map(len, wire.requests))} bytes searched,"
        f" {len(hits)} hits"
    )
    assert not hits, "\n".join(hits)

    # The search finds what is there: a named (public) reporter's referral carries name, phone and
    # e-mail so that the K/L can answer, and still not the NIK.
    control = api.submit(
        category="kesehatan", title="Obat program TB kosong di puskesmas", privacy="public",
        text="Sudah tiga minggu obat TB program nasional tidak tersedia.",
        reporter_name=NAME, reporter_phone=PHONE, reporter_email=EMAIL, reporter_nik=NIK,
    )  # fmt: skip
    seen = len(wire.requests)
    report_id = api.officer_id(control["tracking_id"])
    refer = api.post(
        f"/api/v1/officer/reports/{report_id}/refer/", {"target_code": "kemenkes", "reason": "K/L"}, user="vera"
    )
    assert refer.status_code == 200, refer.content
    drain()
    (named,) = wire.requests[seen:]
    assert set(_found(named)) == {NAME, PHONE, EMAIL}
