"""The trust suites reuse the Jakarta cast of the report tests (units and officers of every role)."""

from tests.complaints.conftest import api, cast, units

__all__ = ["api", "cast", "units"]
