"""Fixtures for tenant tests whose data must be committed: real `manage.py` processes and pg_dump.

Such tests cannot run inside a test transaction (other processes would not see the data); they
use `committed` from tests/conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from django.db import connection

from tests.helpers import REPO, database_url, process_env


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
