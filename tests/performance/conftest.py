"""The performance tests use the Jakarta cast of the report tests."""

from tests.complaints.conftest import api, cast, units  # noqa: F401 - fixtures
