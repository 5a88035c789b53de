"""History a citizen can check: the hub's signed daily checkpoints of every Pemda's audit chain.

A Pemda sends its chain head once a day (`audit.checkpoint`); the hub keeps it and signs it with
its Ed25519 key; a report's public page shows its events with their chain position; anyone checks
that history against the signed checkpoint (`manage.py audit_verify_report`, over HTTP against a
live server here); and `audit_verify` compares each chain with the checkpoints, so a history
rewritten with the database superuser's rights (hashes recomputed, the chain consistent in
itself) is detected.
"""

from __future__ import annotations

import base64
import io
import json
import re
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints import tasks
from complaints.audit import ENTRY_SQL, GENESIS, audit_first_broken_link
from complaints.checkpoints import checkpoint_message_id, checkpoint_send, tenant_today
from complaints.models import AuditEvent
from complaints.seed import categories_seed
from national_hub.models import AuditCheckpoint, CheckpointAlarm
from sync.models import OutboxMessage, OutboxStatus
from sync.outbox import outbox_write
from sync.parties import HUB
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.helpers import REPO, free_port
from tests.sync.conftest import drain

DAY = date(2026, 12, 1)
HISTORYCHECK = REPO / "platform" / "complaints" / "historycheck.py"


@pytest.fixture(autouse=True)
def _hub_key(settings: Any, tmp_path: Path) -> Path:
    """A signing key of this test's own, generated on first use as in a local run."""
    settings.LAPOR_HUB_SIGNING_KEY_FILE = tmp_path / "hub-signing-key.pem"
    settings.LAPOR_HUB_SIGNING_KEY_GENERATE = True
    settings.LAPOR_AUDIT_HUB_URL = ""
    return Path(settings.LAPOR_HUB_SIGNING_KEY_FILE)


def _checkpoint(pemda: Pemda, day: date) -> str:
    with tenant_context(pemda):
        outcome = checkpoint_send(day=day)
    drain()
    return outcome


def _hub_get(path: str) -> Any:
    response = Client(HTTP_HOST="localhost").get(path)
    assert response.status_code == 200, response.content
    return response.json()


def _verify(statement: str, signature: str, public_key: str) -> None:
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
        base64.b64decode(signature), statement.encode()
    )


def _audit_verify(schema: str, **options: Any) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", schema=schema, stdout=out, **options)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def _rewrite(first_id: int, *, data: dict[str, Any]) -> dict[int, tuple[Any, ...]]:
    """What a database superuser can do: switch the append-only trigger off (replica role), change an
    event's recorded data, and recompute every later hash so the chain is consistent in itself.
    Returns the rows as they were, for `_restore`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, data, prev_hash, hash FROM complaints_auditevent WHERE id >= %s ORDER BY id", [first_id]
        )
        before = {row[0]: row for row in cursor.fetchall()}
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("UPDATE complaints_auditevent SET data = %s WHERE id = %s", [json.dumps(data), first_id])
            cursor.execute("SELECT hash FROM complaints_auditevent WHERE id < %s ORDER BY id DESC LIMIT 1", [first_id])
            prev = (cursor.fetchone() or [GENESIS])[0]
            cursor.execute("SELECT id FROM complaints_auditevent WHERE id >= %s ORDER BY id", [first_id])
            for (event_id,) in cursor.fetchall():
                cursor.execute(
                    f"SELECT encode(sha256(convert_to(%s || {ENTRY_SQL}, 'UTF8')), 'hex') FROM ("
                    "SELECT e.*, CASE WHEN e.report_id IS NULL THEN '' ELSE coalesce((SELECT p.hash FROM"
                    " complaints_auditevent p WHERE p.report_id = e.report_id AND p.id < e.id ORDER BY p.id DESC"
                    f" LIMIT 1), '{GENESIS}') END AS report_prev FROM complaints_auditevent e WHERE e.id = %s) x",
                    [prev, event_id],
                )
                new_hash = cursor.fetchone()[0]
                cursor.execute(
                    "UPDATE complaints_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                    [prev, new_hash, event_id],
                )
                prev = new_hash
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    return before


def _restore(before: dict[int, tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            for event_id, data, prev_hash, hash_ in before.values():
                cursor.execute(
                    "UPDATE complaints_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [data if isinstance(data, str) else json.dumps(data), prev_hash, hash_, event_id],
                )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


# --- sending, signing, publishing --------------------------------------------------------------------


def test_a_pemda_sends_its_chain_head_and_the_hub_signs_and_publishes_it(
    api: Api, jakarta: Pemda, _hub_key: Path
) -> None:
    api.submit()
    with tenant_context(jakarta):
        head = AuditEvent.objects.order_by("-id").first()
    assert head is not None
    assert _checkpoint(jakarta, DAY) == "sent"

    stored = AuditCheckpoint.objects.get(pemda_code="31", day=DAY)
    assert (stored.position, stored.head_hash) == (head.pk, head.hash)
    # The key was generated for the local run, readable by its owner only.
    assert stat.S_IMODE(_hub_key.stat().st_mode) == 0o600

    key = _hub_get("/api/v1/audit/key/")
    assert key == _hub_get("/.well-known/lapor-audit-key.json")
    assert key["algorithm"] == "Ed25519" and stored.key_id == key["key_id"]
    listing = _hub_get("/api/v1/audit/checkpoints/31/")
    assert listing["name"] == "Provinsi DKI Jakarta"
    [published] = listing["checkpoints"]
    assert (published["day"], published["position"], published["hash"]) == (DAY.isoformat(), head.pk, head.hash)
    _verify(published["statement"], published["signature"], key["public_key"])  # raises if forged
    statement = json.loads(published["statement"])
    assert statement["pemda"] == "31" and statement["position"] == head.pk and statement["hash"] == head.hash
    overview = _hub_get("/api/v1/audit/checkpoints/")
    assert [(p["pemda"], p["count"]) for p in overview["pemda"]] == [("31", 1)]
    # A statement altered by one character no longer verifies.
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidSignature
        _verify(published["statement"].replace(head.hash, "0" * 64), published["signature"], key["public_key"])


def test_a_production_hub_without_its_key_never_makes_one_and_publishes_nothing(
    api: Api, jakarta: Pemda, settings: Any, _hub_key: Path
) -> None:
    settings.LAPOR_HUB_SIGNING_KEY_GENERATE = False  # LAPOR_LOCAL=0
    api.submit()
    with tenant_context(jakarta):
        checkpoint_send(day=DAY)
    drain()
    message = OutboxMessage.objects.get(pk=checkpoint_message_id("31", DAY))
    assert message.status == OutboxStatus.PENDING and "LAPOR_HUB_SIGNING_KEY_FILE" in message.last_error
    assert not _hub_key.exists() and not AuditCheckpoint.objects.exists()
    answer = Client(HTTP_HOST="localhost").get("/api/v1/audit/key/")
    assert answer.status_code == 503 and "LAPOR_HUB_SIGNING_KEY_FILE" in answer.json()["detail"]


def test_checkpoints_signed_before_a_key_rotation_still_check_out(
    api: Api, jakarta: Pemda, settings: Any, tmp_path: Path
) -> None:
    report = api.submit()
    _checkpoint(jakarta, DAY)
    old_key = _hub_get("/api/v1/audit/key/")
    # The hub gets a new key; the old public key is published as retired.
    settings.LAPOR_HUB_SIGNING_KEY_FILE = tmp_path / "hub-signing-key-2.pem"
    settings.LAPOR_HUB_SIGNING_RETIRED_KEYS = [old_key["public_key"]]
    api.submit()
    _checkpoint(jakarta, DAY + timedelta(days=1))
    new_key = _hub_get("/api/v1/audit/key/")
    assert new_key["key_id"] != old_key["key_id"]
    assert new_key["retired"] == [{"key_id": old_key["key_id"], "public_key": old_key["public_key"]}]
    assert [c["key_id"] for c in _hub_get("/api/v1/audit/checkpoints/31/")["checkpoints"]] == [
        new_key["key_id"], old_key["key_id"],
    ]  # fmt: skip
    ok, out = _audit_verify("pemda_31")
    assert ok and "pemda_31: 2 checkpoint(s) match" in out, out
    page = api.get(f"/lacak/{report['tracking_id']}/riwayat/").content.decode()
    assert "Riwayat cocok dengan titik periksa hub." in page
    # Without the retired key published, the older checkpoint no longer checks out: said, not hidden.
    settings.LAPOR_HUB_SIGNING_RETIRED_KEYS = []
    ok, out = _audit_verify("pemda_31")
    assert not ok and "1 checkpoint(s) with a BAD SIGNATURE" in out, out


def test_the_same_day_is_sent_once_and_a_redelivery_is_a_duplicate(api: Api, jakarta: Pemda) -> None:
    api.submit()
    assert _checkpoint(jakarta, DAY) == "sent"
    api.submit()  # the chain grew the same day: still that day's checkpoint only
    assert _checkpoint(jakarta, DAY) == "already"
    message_id = checkpoint_message_id("31", DAY)
    assert OutboxMessage.objects.filter(kind="audit.checkpoint").count() == 1
    assert OutboxMessage.objects.get(pk=message_id).status == OutboxStatus.DELIVERED

    # The transport delivers it again (a lost acknowledgement): acknowledged, nothing new kept.
    OutboxMessage.objects.filter(pk=message_id).update(status=OutboxStatus.PENDING)
    drain()
    assert OutboxMessage.objects.get(pk=message_id).status == OutboxStatus.DELIVERED
    assert AuditCheckpoint.objects.filter(pemda_code="31").count() == 1
    assert not CheckpointAlarm.objects.exists()

    # The next day's head is a new checkpoint above the first.
    assert _checkpoint(jakarta, DAY + timedelta(days=1)) == "sent"
    positions = list(AuditCheckpoint.objects.filter(pemda_code="31").order_by("day").values_list("position", flat=True))
    assert len(positions) == 2 and positions[0] < positions[1]


def test_the_hourly_scan_queues_only_pemda_whose_checkpoint_of_today_is_missing(
    api: Api, jakarta: Pemda, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.submit()
    with tenant_context(jakarta):
        today = tenant_today()
    # What the scan would publish to the broker, per Pemda schema (the task itself is tested above).
    queued: list[str] = []
    monkeypatch.setattr(
        tasks.audit_checkpoint_task, "apply_async", lambda **kw: queued.append(kw["headers"]["_schema_name"])
    )
    tasks.audit_checkpoint_scan_task()
    assert "pemda_31" in queued
    _checkpoint(jakarta, today)
    queued.clear()
    tasks.audit_checkpoint_scan_task()
    assert "pemda_31" not in queued


def _forged(sender: str, *, pemda: str, day: date, position: int, head_hash: str) -> OutboxMessage:
    return outbox_write(
        sender=sender,
        recipient=HUB,
        kind="audit.checkpoint",
        referral_key=f"audit/{pemda}",
        version=1,
        body={"pemda": pemda, "name": "", "day": day.isoformat(), "position": position, "hash": head_hash,
              "at": timezone.now().isoformat()},
    )  # fmt: skip


def test_a_contradicting_checkpoint_is_refused_and_raises_an_alarm_on_the_sync_page(
    api: Api, jakarta: Pemda, sync_cast: dict[str, Any]
) -> None:
    api.submit()
    api.submit()
    _checkpoint(jakarta, DAY)
    signed = AuditCheckpoint.objects.get(pemda_code="31", day=DAY)

    # A later day with a lower position (history cut short), and the same position with another hash.
    _forged("31", pemda="31", day=DAY + timedelta(days=1), position=signed.position - 1, head_hash="a" * 64)
    _forged("31", pemda="31", day=DAY + timedelta(days=2), position=signed.position, head_hash="b" * 64)
    # An earlier day above what a later day signed.
    _forged("31", pemda="31", day=DAY - timedelta(days=1), position=signed.position + 5, head_hash="c" * 64)
    drain()
    assert AuditCheckpoint.objects.filter(pemda_code="31").count() == 1  # none of them was signed
    reasons = sorted(CheckpointAlarm.objects.filter(pemda_code="31").values_list("reason", flat=True))
    assert reasons == ["hash_differs", "position_higher", "position_lower"]

    # The same head again on a new day (nothing happened) extends the chain: signed.
    _forged("31", pemda="31", day=DAY + timedelta(days=3), position=signed.position, head_hash=signed.head_hash)
    drain()
    assert AuditCheckpoint.objects.filter(pemda_code="31").count() == 2

    from tests.national_hub.test_console_pages import _logged_in

    page = _logged_in("hugo").get("/konsol/sinkronisasi/")
    html = page.content.decode()
    assert page.status_code == 200 and "Alarm titik periksa audit" in html
    assert "position_lower" in html and "hash_differs" in html and "Provinsi DKI Jakarta" in html


def test_only_the_pemda_itself_may_send_its_checkpoint(api: Api, jakarta: Pemda, bekasi: Pemda) -> None:
    api.submit()
    with tenant_context(jakarta):
        head = AuditEvent.objects.order_by("-id").first()
    assert head is not None
    forged = _forged("32.75", pemda="31", day=DAY, position=head.pk + 100, head_hash="d" * 64)
    drain()
    forged.refresh_from_db()
    assert forged.status == OutboxStatus.DEAD and forged.last_error.startswith("SenderRefused: not_origin")
    assert not AuditCheckpoint.objects.exists() and not CheckpointAlarm.objects.exists()


# --- the report's public history ---------------------------------------------------------------------


def test_the_report_page_shows_its_events_with_their_position_and_the_check_succeeds(
    api: Api, cast: dict[str, Any], jakarta: Pemda, units: Any
) -> None:
    report = api.submit()
    report_id = api.officer_id(report["tracking_id"])
    verified = api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
    assert verified.status_code == 200, verified.content
    other = api.submit(title="Kanari tetangga", text="Isi laporan kanari milik pelapor lain, tidak boleh bocor.")
    with tenant_context(jakarta):
        events = list(AuditEvent.objects.filter(report_id=report_id).order_by("id"))
    assert len(events) >= 2

    page = api.get(f"/lacak/{report['tracking_id']}/").content.decode()
    for event in events:
        assert f"#{event.pk}" in page and event.action in page
    assert f'href="/lacak/{report["tracking_id"]}/riwayat/"' in page and "Verifikasi riwayat" in page

    before = api.get(f"/lacak/{report['tracking_id']}/riwayat/").content.decode()
    assert "Hub belum memegang titik periksa Pemda ini." in before
    _checkpoint(jakarta, DAY)
    checked = api.get(f"/lacak/{report['tracking_id']}/riwayat/").content.decode()
    assert "Riwayat cocok dengan titik periksa hub." in checked
    assert checked.count("terverifikasi") == len(events)

    # The hub's page checks it too, and lists every Pemda's latest checkpoint.
    hub_page = Client(HTTP_HOST="localhost").get("/verifikasi/", {"pemda": "31", "id": report["tracking_id"]})
    html = hub_page.content.decode()
    assert hub_page.status_code == 200
    assert f"Riwayat laporan {report['tracking_id']} cocok dengan titik periksa {DAY.isoformat()}" in html
    assert "Provinsi DKI Jakarta" in html and "historycheck.py" in html
    elsewhere = Client(HTTP_HOST="localhost").get("/verifikasi/", {"pemda": "99.99", "id": report["tracking_id"]})
    assert "Pemda ini berjalan di deployment lain" in elsewhere.content.decode()

    # The chain served for it holds only digests of other reporters' events: nothing of theirs.
    chain = api.get(f"/api/v1/audit/reports/{report['tracking_id']}/chain/").json()
    text = json.dumps(chain)
    assert "kanari" not in text.lower() and other["tracking_id"] not in text and "Siti" not in text
    assert set(chain["events"][0]) == {
        "position", "at", "at_us", "action", "format", "detail", "report_prev", "prev_hash", "hash",
    }  # fmt: skip
    assert all(len(entry) == 2 for entry in chain["segment"]["entries"])


def test_audit_verify_detects_a_superuser_rewrite_that_keeps_the_chain_consistent(api: Api, jakarta: Pemda) -> None:
    api.submit()
    api.submit()
    _checkpoint(jakarta, DAY)
    api.submit()
    _checkpoint(jakarta, DAY + timedelta(days=1))
    ok, out = _audit_verify("pemda_31")
    assert ok, out
    assert "pemda_31: 2 checkpoint(s) match" in out and "checkpoints checked: 2, tampering detected: 0 Pemda" in out

    with tenant_context(jakarta):
        target_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
        assert target_id is not None
        _rewrite(target_id, data={"rewritten": True})
        # The chain recomputes: the append-only trigger and the hash chain alone do not see it.
        assert audit_first_broken_link() is None
    ok, out = _audit_verify("pemda_31")
    print(out)  # the figures: checkpoints checked, tampering detected
    assert not ok
    assert "pemda_31: ok" in out  # consistent in itself ...
    assert out.count("TAMPERED") == 2  # ... but neither signed head is in it any more
    assert "checkpoints checked: 2, tampering detected: 1 Pemda" in out


def test_a_history_rewritten_and_grown_past_the_signed_head_fails_the_check_at_the_older_checkpoint(
    api: Api, cast: dict[str, Any], jakarta: Pemda
) -> None:
    report = api.submit()
    api.submit()
    _checkpoint(jakarta, DAY)
    signed = AuditCheckpoint.objects.get(pemda_code="31", day=DAY)
    report_id = api.officer_id(report["tracking_id"])
    with tenant_context(jakarta):
        target = AuditEvent.objects.filter(report_id=report_id).order_by("id").first()
        assert target is not None and target.pk < signed.position
        _rewrite(target.pk, data={"rewritten": True})
        assert AuditEvent.objects.get(pk=signed.position).hash != signed.head_hash
    api.submit()  # the forked chain grows past the old head: the hub signs its new head
    _checkpoint(jakarta, DAY + timedelta(days=1))
    assert not CheckpointAlarm.objects.exists() and AuditCheckpoint.objects.filter(pemda_code="31").count() == 2
    page = api.get(f"/lacak/{report['tracking_id']}/riwayat/").content.decode()
    assert "Riwayat TIDAK cocok dengan titik periksa hub." in page
    assert f"does not hold the hash the hub signed on {DAY.isoformat()}" in page


def test_the_identity_purge_keeps_the_chain_matching_its_checkpoints(
    api: Api, cast: dict[str, Any], jakarta: Pemda
) -> None:
    report = api.submit(reporter_name="Kanari Purge")
    report_id = api.officer_id(report["tracking_id"])
    archived = api.post(f"/api/v1/officer/reports/{report_id}/archive/", {"reason": "Tidak jelas"}, user="vera")
    assert archived.status_code == 200
    _checkpoint(jakarta, DAY)
    with time_machine.travel(timezone.now() + timedelta(days=181)):
        call_command("identity_purge", schema="pemda_31", stdout=io.StringIO())
    _checkpoint(jakarta, DAY + timedelta(days=1))
    ok, out = _audit_verify("pemda_31")
    assert ok, out
    assert "pemda_31: 2 checkpoint(s) match" in out
    page = api.get(f"/lacak/{report['tracking_id']}/riwayat/").content.decode()
    assert "Riwayat cocok dengan titik periksa hub." in page and "identity_purged" in page


# --- the outsider's command, over HTTP against a live server ----------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def live_site(committed: None) -> Iterator[str]:
    """This deployment served over HTTP on a loopback port (one thread, its own database connection,
    closed after each request); committed rows are what it sees."""
    from lapor.wsgi import application

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return list(application(environ, start_response))
        finally:
            connections.close_all()

    port = free_port()
    server: WSGIServer = make_server("127.0.0.1", port, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _report_command(tracking_id: str, port: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command(
            "audit_verify_report",
            tracking_id,
            pemda=f"http://jabar.localhost:{port}",
            hub=f"http://localhost:{port}",
            stdout=out,
        )
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def _standalone(tracking_id: str, port: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['historycheck.py', {tracking_id!r}, '--pemda', 'http://jabar.localhost:{port}',"
        f" '--hub', 'http://localhost:{port}']\n"
        "try:\n"
        f"    runpy.run_path({str(HISTORYCHECK)!r}, run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print('django loaded:', any(m == 'django' or m.startswith('django.') for m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    # -I: no PYTHONPATH, no user site, the script's folder not on the path.
    return subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir()
    )


def test_the_verify_command_accepts_an_honest_history_and_refuses_a_rewritten_one(
    live_site: str, tenants_registry: dict[str, Pemda], _hub_key: Path
) -> None:
    # Jawa Barat: committed rows, which no other test counts; the rewrite is undone at the end.
    jabar = tenants_registry["jabar"]
    with tenant_context(jabar):
        categories_seed(jabar)
    client = Client(HTTP_HOST="jabar.localhost")
    filed = []
    for n in range(3):
        answer = client.post(
            "/api/v1/reports/",
            {"type": "pengaduan", "category": "jalan", "title": f"Jalan provinsi rusak {n}",
             "text": f"Jalan provinsi berlubang di km {n}, berbahaya bagi pengendara.", "privacy": "public"},
            content_type="application/json",
        )  # fmt: skip
        assert answer.status_code == 201, answer.content
        filed.append(answer.json()["tracking_id"])
    day = date(2031, 1, 1) + timedelta(days=AuditCheckpoint.objects.filter(pemda_code="32").count())
    assert _checkpoint(jabar, day) == "sent"

    ok, out = _report_command(filed[0], live_site)
    print(out)
    assert ok, out
    assert "signature valid" in out and re.search(r"OK: \d+ event\(s\) are in the history the hub signed", out)
    assert "NOT verified" not in out
    # The same check as the one file an outsider downloads: Python and cryptography, no Django.
    alone = _standalone(filed[1], live_site)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "OK: " in alone.stdout and "django loaded: False" in alone.stdout

    with tenant_context(jabar):
        target = AuditEvent.objects.filter(report_id__isnull=False).order_by("id").first()
        assert target is not None
        before = _rewrite(target.pk, data={"rewritten": True})
    try:
        ok, out = _report_command(filed[0], live_site)
        print(out)
        assert not ok, out
        assert "does NOT match" in out and "does not end in the hash the hub signed" in out
        verified, text = _audit_verify("pemda_32")
        assert not verified and "TAMPERED" in text
    finally:
        with tenant_context(jabar):
            _restore(before)
            assert audit_first_broken_link() is None
        connection.set_schema_to_public()
    ok, out = _report_command(filed[0], live_site)
    assert ok, out
