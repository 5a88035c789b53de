"""Backup and restore of one Pemda: its export, restored, passes the integrity check with the
right keys, and the check says so when the keys are wrong or a table came back short.

The restore is tried twice: into the same deployment after the Pemda was deleted there (an
offboarding undone), and into a second, fresh deployment (a database of its own, migrated from
nothing, run by `manage.py` processes with that deployment's own settings), as after the loss of
the first one's server."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Report
from complaints.seed import categories_seed
from complaints.services import reporter_identity
from deadlines.models import DueDeadline
from tenants.models import Pemda
from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_restore
from tenants.services import pemda_onboard
from tests.bench.common import drop_database, fresh_database
from tests.complaints.conftest import Api
from tests.helpers import REPO, database_url, process_env

pytestmark = pytest.mark.slow


def _drop(*codes: str) -> None:
    for code in codes:
        if Pemda.objects.filter(code=code).exists():
            pemda_archive(code=code)
            pemda_delete(code=code, confirm=code)


@pytest.fixture
def gorontalo(committed: None) -> Iterator[Pemda]:
    """Kota Gorontalo, committed (pg_dump sees only committed data), with two named reporters."""
    _drop("75.71", "75")
    pemda_onboard(code="75.71")
    pemda = Pemda.objects.get(code="75.71")
    with tenant_context(pemda):
        categories_seed(pemda)
    yield pemda
    _drop("75.71", "75")


def _check(**options: str) -> str:
    out = io.StringIO()
    call_command("pemda_integrity", code="75.71", stdout=out, **options)
    return out.getvalue()


def test_a_restored_pemda_passes_the_integrity_check_with_the_right_keys_only(gorontalo: Pemda, tmp_path: Path) -> None:
    api = Api(host="kota-gorontalo.localhost")
    api.submit(reporter_name="Warga Gorontalo Satu", reporter_phone="081355500001", reporter_nik="7571010101010001")
    second = api.submit(reporter_name="Warga Gorontalo Dua", reporter_email="dua@example.id")
    pemda_archive(code="75.71")
    export = pemda_export(code="75.71", directory=tmp_path)
    with tenant_context(gorontalo):  # the export holds every sealed identity: it is on the record
        logged = AuditEvent.objects.get(action="pemda_exported")
        assert (logged.actor_label, logged.data["file"]) == ("manage.py offboard_pemda", export.name)
    clocks = list(DueDeadline.objects.filter(schema_name="pemda_75_71").values_list("report_id", "kind", "due_at"))
    assert sum(kind == "verify" for _r, kind, _d in clocks) == 2
    pemda_delete(code="75.71", confirm="75.71")
    # Its clocks in the public index went with it: none left to collide with a Pemda of that code later.
    assert not DueDeadline.objects.filter(schema_name="pemda_75_71").exists()

    restored = pemda_restore(path=export)
    # ... and came back with the export: the restored reports are still on the clock.
    assert sorted(clocks) == sorted(
        DueDeadline.objects.filter(schema_name="pemda_75_71").values_list("report_id", "kind", "due_at")
    )
    passed = _check(export=str(export))
    assert "pemda_75_71: ok (row counts match the export," in passed
    assert "2 reporter identities decrypt" in passed
    with tenant_context(restored):
        assert AuditEvent.objects.filter(action="submitted").count() == 2
        report = Report.objects.get(tracking_id=second["tracking_id"])
        assert reporter_identity(report).email == "dua@example.id"

    # Another deployment's keys: the reports came back, but nobody could reach their reporters.
    with override_settings(LAPOR_IDENTITY_KEYS=[Fernet.generate_key().decode()]):
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 problem"):
            call_command("pemda_integrity", code="75.71", export=str(export), stdout=out)
        assert "2 of 2 reporter identities do not decrypt: LAPOR_IDENTITY_KEYS lacks their key" in out.getvalue()

    # A table that came back short is named with both counts.
    with tenant_context(restored), connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_notification")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pemda_integrity", code="75.71", export=str(export), stdout=out)
    assert "complaints_notification: 0 row(s), the export had 2" in out.getvalue()


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def second_deployment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Another deployment: a fresh database beside the test database, migrated from nothing.

    Its settings are its own environment; the keys it is given are the first deployment's
    (LAPOR_IDENTITY_KEYS opens the identities, DJANGO_SECRET_KEY keys their lookup hashes), as an
    operator carries them over from the old deployment's secrets, never inside the export.
    """
    base = database_url(connection.settings_dict)
    name = f"{connection.settings_dict['NAME']}_restore"
    url = fresh_database(base, name)
    env = process_env(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        LAPOR_VAR_DIR=str(tmp_path / "second"),
        LAPOR_LOG_LEVEL="WARNING",
    )
    env.pop("CELERY_BROKER_URL", None)  # its own broker tables, in its own database
    env.pop("CELERY_RESULT_BACKEND", None)
    try:
        migrated = _manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        yield env
    finally:
        drop_database(base, name)


def test_a_pemda_restored_into_a_second_fresh_deployment_passes_with_the_right_keys_only(
    gorontalo: Pemda, second_deployment: dict[str, str], tmp_path: Path
) -> None:
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]  # the newest first (rotation)
    api = Api(host="kota-gorontalo.localhost")
    with override_settings(LAPOR_IDENTITY_KEYS=keys[1:]):  # filed before a key rotation
        api.submit(reporter_name="Warga Gorontalo Satu", reporter_phone="081355500001", reporter_nik="7571010101010001")
    with override_settings(LAPOR_IDENTITY_KEYS=keys):
        second = api.submit(reporter_name="Warga Gorontalo Dua", reporter_email="dua@example.id")
        # A backup of a live Pemda: the first deployment keeps running, nothing is archived or deleted.
        export = pemda_export(code="75.71", directory=tmp_path, requested_by="manage.py offboard_pemda")
    env = {**second_deployment, "LAPOR_IDENTITY_KEYS": ",".join(keys)}

    # The operator's procedure in the new deployment: its province first, then the export.
    steps = [("onboard_pemda", "75"), ("offboard_pemda", "restore", str(export))]
    for step in steps:
        done = _manage(env, *step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    assert "dipulihkan" in done.stdout

    checked = _manage(env, "pemda_integrity", "--code", "75.71", "--export", str(export))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "pemda_75_71: ok (row counts match the export," in checked.stdout
    assert "2 reporter identities decrypt" in checked.stdout
    # What an officer of the new deployment would reach: the reporter, opened with its keys.
    shown = _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django_tenants.utils import tenant_context; from tenants.models import Pemda;"
        "from complaints.models import Report; from complaints.services import reporter_identity\n"
        "with tenant_context(Pemda.objects.get(code='75.71')):\n"
        f"    print(reporter_identity(Report.objects.get(tracking_id={second['tracking_id']!r})).email)",
    )
    assert shown.stdout.strip() == "dua@example.id", shown.stderr
    # The SLA clocks live in the public schema, outside the Pemda's dump: they came with the export.
    conn = psycopg2.connect(env["DATABASE_URL"])
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM deadlines_duedeadline WHERE schema_name = 'pemda_75_71' AND kind = 'verify'"
            )
            assert cur.fetchone()[0] == 2
    finally:
        conn.close()

    # The same restore with another deployment's identity keys: the reports are there, their
    # reporters are out of reach, and the check fails saying why.
    wrong = _manage(
        {**env, "LAPOR_IDENTITY_KEYS": Fernet.generate_key().decode()},
        *("pemda_integrity", "--code", "75.71", "--export", str(export)),
    )
    assert wrong.returncode != 0
    assert "2 of 2 reporter identities do not decrypt: LAPOR_IDENTITY_KEYS lacks their key" in wrong.stdout
    # Only the key the older report was sealed with: that one opens, the newer does not.
    old_only = _manage({**env, "LAPOR_IDENTITY_KEYS": keys[1]}, "pemda_integrity", "--code", "75.71")
    assert old_only.returncode != 0
    assert "1 of 2 reporter identities do not decrypt" in old_only.stdout
    # The right identity keys under another secret key: identities open, their lookup hashes
    # (how a data subject's request or a breach report finds their reports) no longer match.
    other_secret = _manage({**env, "DJANGO_SECRET_KEY": "another-secret"}, "pemda_integrity", "--code", "75.71")
    assert other_secret.returncode != 0
    assert "reporter identities do not match their lookup hashes: the secret key differs" in other_secret.stdout

    # The first deployment was only read: its Pemda is still live there, with its reports.
    gorontalo.refresh_from_db()
    assert gorontalo.status == "live"
    with tenant_context(gorontalo):
        assert Report.objects.count() == 2
