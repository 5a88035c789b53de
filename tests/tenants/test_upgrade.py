"""A new migration reaches every Pemda schema; a failure names its schema and leaves the rest consistent.

Real processes: `manage.py upgrade_tenants` under settings with one extra tenant app
(tests/tenants/probe_app), whose migration is the "new migration".
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from tenants import schemas
from tenants.schemas import TEMPLATE_SCHEMA, schemas_of_tenants

pytestmark = pytest.mark.slow

PROBE_SETTINGS = "tests.tenants.probe_settings"
TABLE = "upgrade_probe_probe"


def _has_probe(schema: str) -> tuple[bool, bool]:
    """(table exists, migration recorded) in this schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".{TABLE}'])
        table = bool(cursor.fetchone()[0])
        cursor.execute(f"SELECT count(*) FROM \"{schema}\".django_migrations WHERE app = 'upgrade_probe'")
        recorded = cursor.fetchone()[0] == 1
    return table, recorded


@pytest.fixture
def probe_cleanup(committed: None) -> Iterator[None]:
    yield
    # Leave the database as the normal settings expect it: no trace of the probe app.
    with connection.cursor() as cursor:
        for schema in [*schemas_of_tenants(), TEMPLATE_SCHEMA]:
            cursor.execute(f'DROP TABLE IF EXISTS "{schema}".{TABLE} CASCADE')
            cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
            if cursor.fetchone()[0]:
                cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'upgrade_probe'")
                cursor.execute(f"DELETE FROM \"{schema}\".django_content_type WHERE app_label = 'upgrade_probe'")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{TEMPLATE_SCHEMA}" CASCADE')
    # This process's blueprint was taken from the template just dropped: a later onboarding in this
    # test run must build both again rather than copy rows from a schema that is gone.
    schemas._blueprint = None


def test_new_migration_reaches_every_schema_and_a_failure_is_named(
    manage: Callable[..., subprocess.CompletedProcess[str]], probe_cleanup: None
) -> None:
    schemas = schemas_of_tenants()
    assert {"pemda_31", "pemda_32", "pemda_32_75"} <= set(schemas)
    # Something in Bekasi's schema that the new migration collides with.
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "pemda_32_75".{TABLE} (id int)')

    first = manage("upgrade_tenants", "--workers", "2", settings=PROBE_SETTINGS)

    assert first.returncode != 0
    assert "pemda_32_75" in first.stderr and "already exists" in first.stderr
    for schema in schemas:
        if schema != "pemda_32_75":
            assert _has_probe(schema) == (True, True), schema
    # The failed schema is as it was: no migration recorded, only the colliding table.
    assert _has_probe("pemda_32_75") == (True, False)

    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "pemda_32_75".{TABLE}')
    second = manage("upgrade_tenants", settings=PROBE_SETTINGS)

    assert second.returncode == 0, second.stderr
    assert "1 diperbarui" in second.stdout and "0 gagal" in second.stdout
    assert all(_has_probe(schema) == (True, True) for schema in schemas)
    # The new model's content type exists in the tenant schemas, as after `migrate`.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM \"pemda_31\".django_content_type WHERE app_label = 'upgrade_probe'")
        assert cursor.fetchone()[0] == 1

    # Nothing pending: a third run changes nothing.
    third = manage("upgrade_tenants", settings=PROBE_SETTINGS)
    assert third.returncode == 0 and "0 diperbarui" in third.stdout
