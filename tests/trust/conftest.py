"""The trust suites reuse the Jakarta cast of the report tests (units and officers of every role)
and the sync tests' Bekasi and hub cast with the in-process sweeper."""

from typing import Any

import pytest

from tests.complaints.conftest import api, cast, units
from tests.sync.conftest import bekasi_dbm, sweep, sync_cast

__all__ = ["api", "bekasi_dbm", "cast", "sweep", "sync_cast", "units"]


@pytest.fixture(autouse=True)
def _fast_password_hashes(settings: Any) -> None:
    # The matrix sends Basic credentials with each of its ~10,000 requests: with PBKDF2 each costs
    # a full password hash. Users made for these tests are hashed (and checked) by a cheap hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
