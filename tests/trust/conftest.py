"""The trust suites reuse the Jakarta cast of the report tests (units and officers of every role)
and the sync tests' Bekasi and hub cast with the in-process sweeper."""

from tests.complaints.conftest import api, cast, units
from tests.sync.conftest import bekasi_dbm, sweep, sync_cast

__all__ = ["api", "bekasi_dbm", "cast", "sweep", "sync_cast", "units"]
