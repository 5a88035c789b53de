"""Fixtures for tenant tests whose data must be committed: real `manage.py` processes and pg_dump.

Such tests cannot run inside a test transaction (other processes would not see the data), so
they do not ask for `db`. pytest-django, though, creates the test database only when some
collected test asks for `db`; `_test_database` makes sure it exists even when these tests run
alone, and `committed` refuses to run against anything but the test database.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from tests.helpers import REPO, database_url, process_env


@pytest.fixture(scope="session")
def _test_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]:
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed(_test_database: None, django_db_blocker: Any, tenants_registry: dict[str, Any]) -> Iterator[None]:
    """Database access outside a test transaction: what is written is committed, and stays."""
    assert connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


@pytest.fixture
def manage(committed: None) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `manage.py ARGS` in a new process on the test database; returns the completed process."""
    url = database_url(connection.settings_dict)

    def run(*args: str, settings: str = "lapor.settings", timeout: int = 300) -> subprocess.CompletedProcess[str]:
        env = process_env(DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings, COLUMNS="120")
        return subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
