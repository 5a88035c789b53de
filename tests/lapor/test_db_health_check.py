"""The health check before a request's first query is skipped only for a connection that just
proved itself (lapor.db): a busy worker saves a round trip per request, an idle or failed
connection is still checked, and a connection the server dropped is replaced, not reported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import ProgrammingError, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrapper(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A connection of its own (outside the test's transaction), its pings counted."""
    conn = connections.create_connection("default")
    conn.pings = 0
    real = conn.is_usable

    def counted() -> bool:
        conn.pings += 1
        return real()

    monkeypatch.setattr(conn, "is_usable", counted)
    yield conn
    conn.close()


def _request(conn: Any, sql: str = "SELECT 1") -> Any:
    """What a request does to the connection: start, first query, end."""
    conn.close_if_unusable_or_obsolete()
    with conn.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    conn.close_if_unusable_or_obsolete()
    return row


def test_back_to_back_requests_are_not_pinged(wrapper: Any, settings: Any) -> None:
    settings.DB_HEALTH_CHECK_BYPASS_MS = 60_000
    _request(wrapper)
    pings_after_first = wrapper.pings
    for _ in range(5):
        _request(wrapper)
    assert wrapper.pings == pings_after_first


def test_a_connection_idle_past_the_window_is_pinged(wrapper: Any, settings: Any) -> None:
    settings.DB_HEALTH_CHECK_BYPASS_MS = 0
    _request(wrapper)
    before = wrapper.pings
    _request(wrapper)
    _request(wrapper)
    assert wrapper.pings == before + 2


def test_a_database_error_gets_the_connection_checked_once(wrapper: Any, settings: Any) -> None:
    settings.DB_HEALTH_CHECK_BYPASS_MS = 60_000
    _request(wrapper)
    before = wrapper.pings
    wrapper.close_if_unusable_or_obsolete()
    with pytest.raises(ProgrammingError), wrapper.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    assert wrapper.errors_occurred
    wrapper.close_if_unusable_or_obsolete()  # request end: checked because of the error
    assert wrapper.pings == before + 1
    assert wrapper.connection is not None
    # That check proved the connection: the next request goes straight to its query.
    assert _request(wrapper) == (1,)
    assert wrapper.pings == before + 1


def test_a_connection_the_server_dropped_is_replaced_not_reported(wrapper: Any, settings: Any) -> None:
    settings.DB_HEALTH_CHECK_BYPASS_MS = 0
    _request(wrapper)
    pid = _request(wrapper, "SELECT pg_backend_pid()")[0]
    killer = connections.create_connection("default")
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()
    new_pid = _request(wrapper, "SELECT pg_backend_pid()")[0]
    assert new_pid != pid
