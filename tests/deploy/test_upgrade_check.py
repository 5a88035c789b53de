"""`make upgrade-check` (manage.py upgrade_check): contract migrations refused, expand ones pass."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.helpers import REPO, database_url, process_env


def _leaf(app: str) -> str:
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app)
    assert len(leaves) == 1
    return leaves[0][1]


def _migration(tmp_path: Path, name: str, operations: str, extra: str = "") -> Path:
    """A migration file of the complaints app, next in line after main's last one."""
    folder = tmp_path / "complaints" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    body = textwrap.indent(operations.strip(), " " * 8)
    lines = [
        "from django.db import migrations, models",
        "",
        "",
        "class Migration(migrations.Migration):",
        f'    dependencies = [("complaints", "{_leaf("complaints")}")]',
        *([textwrap.indent(extra.strip(), " " * 4)] if extra else []),
        "    operations = [",
        body,
        "    ]",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def _check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "upgrade_check", *map(str, paths)],
        env=process_env(DATABASE_URL=database_url(connection.settings_dict)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("operation", "complaint"),
    [
        ('migrations.RemoveField("report", "title"),', "RemoveField report.title"),
        ('migrations.RenameField("report", "title", "judul"),', "RenameField report.title -> judul"),
        ('migrations.DeleteModel("Attachment"),', "DeleteModel Attachment"),
        (
            'migrations.AddField("report", "wilayah", models.CharField(max_length=20, default="x")),',
            "AddField report.wilayah NOT NULL without db_default",
        ),
        (
            'migrations.AlterField("attachment", "content_type", models.CharField(max_length=16)),',
            "shortens max_length 64 -> 16",
        ),
        ('migrations.RunSQL("ALTER TABLE complaints_report DROP COLUMN title"),', "raw SQL cannot be judged"),
    ],
)
def test_a_contract_migration_fails_the_check(tmp_path: Path, operation: str, complaint: str, db: None) -> None:
    result = _check(_migration(tmp_path, "0099_contract", operation))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "UNSAFE   complaints.0099_contract" in result.stdout
    assert complaint in result.stdout
    assert "would break the running release" in result.stderr


def test_expand_migrations_pass(tmp_path: Path, db: None) -> None:
    expand = _migration(
        tmp_path,
        "0099_expand",
        textwrap.dedent(
            """\
            migrations.AddField("report", "wilayah", models.CharField(max_length=20, null=True)),
            migrations.AddField("report", "versi_skema", models.IntegerField(db_default=1)),
            migrations.AlterField("attachment", "content_type", models.CharField(max_length=128)),
            migrations.AddIndex("report", models.Index(fields=["created_at"], name="report_created_idx_uc")),
            """
        ),
    )
    result = _check(expand)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok       complaints.0099_expand" in result.stdout
    assert "all backwards compatible" in result.stdout


def test_a_contract_that_says_why_it_is_safe_now_passes(tmp_path: Path, db: None) -> None:
    contract = _migration(
        tmp_path,
        "0099_contract_later",
        'migrations.RemoveField("report", "title"),',
        extra='upgrade_contract = "Report.title unused since the previous release"\n',
    )
    result = _check(contract)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contract complaints.0099_contract_later (accepted: Report.title unused" in result.stdout


def test_mains_pending_state_passes(committed: None, capsys: Any) -> None:
    """Against the test database (main's migrations, the hub and three Pemda): nothing would break."""
    call_command("upgrade_check")
    assert "no pending migrations" in capsys.readouterr().out


def test_a_pemda_schema_behind_is_judged_on_what_it_lacks(
    committed: None, tenants_registry: dict[str, Any], capsys: Any
) -> None:
    """The check reads every Pemda's own migration table: a schema one migration behind is judged on it."""
    schema = tenants_registry["bekasi"].schema_name
    behind = [("complaints", "0008_open311_channel_and_indexes"), ("complaints", "0003_lean_report_indexes")]
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = ANY(%s) RETURNING app, name, applied',
            ["complaints", [name for _, name in behind]],
        )
        removed = cursor.fetchall()
    assert len(removed) == 2
    try:
        with pytest.raises(CommandError, match="1 pending migration"):
            call_command("upgrade_check")
        out = capsys.readouterr().out
        assert "ok       complaints.0008_open311_channel_and_indexes" in out
        assert "UNSAFE   complaints.0003_lean_report_indexes" in out
        assert "AddConstraint report_tracking_id_unique" in out
    finally:
        with connection.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO "{schema}".django_migrations (app, name, applied) VALUES (%s, %s, %s)', removed
            )
