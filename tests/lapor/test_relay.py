"""A relay batch the broker refuses is published at the next flush, once, in order."""

from __future__ import annotations

import os
from typing import Any

import pytest

from lapor import relay as relay_module
from lapor.relay import Relay


def test_a_refused_batch_is_kept_for_the_next_flush() -> None:
    published: list[tuple[str, list[Any]]] = []
    refuse = {"pemda_31"}

    def publish(schema: str, items: list[Any]) -> None:
        if schema in refuse:
            raise ConnectionResetError(104, "Connection reset by peer")
        published.append((schema, list(items)))

    relay = Relay("test", flush_seconds=3600, publish=publish)
    relay._thread_pid = os.getpid()  # no flushing thread: the test flushes by hand
    for item in (1, 2):
        relay.enqueue("pemda_31", item)
    relay.enqueue("pemda_32", 10)
    with pytest.raises(ConnectionResetError):
        relay.flush()
    assert published == [("pemda_32", [10])]  # the other tenant's batch was not held back
    relay.enqueue("pemda_31", 3)  # queued while the broker was away
    refuse.clear()
    assert relay.flush() == 3
    assert published[1:] == [("pemda_31", [1, 2, 3])]
    assert relay.flush() == 0  # nothing twice


def test_what_is_kept_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    def publish(schema: str, items: list[Any]) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(relay_module, "KEEP_AT_MOST", 5)
    relay = Relay("test", flush_seconds=3600, publish=publish)
    relay._thread_pid = os.getpid()
    for item in range(4):
        relay.enqueue("pemda_31", item)
    with pytest.raises(ConnectionRefusedError):
        relay.flush()
    for item in range(4, 8):
        relay.enqueue("pemda_31", item)
    with pytest.raises(ConnectionRefusedError):
        relay.flush()  # 8 would be more than 5: this batch is left to its sweep
    assert dict(relay._pending) == {}
