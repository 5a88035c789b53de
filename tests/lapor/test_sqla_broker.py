"""The default broker (kombu's SQLAlchemy transport on PostgreSQL) goes on after its database
connection is lost, as in a PostgreSQL restart or failover (lapor.sqla_broker)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from queue import Empty
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from sqlalchemy import text

from lapor.celery import app
from lapor.sqla_broker import Channel


@pytest.fixture
def channel() -> Iterator[Channel]:
    """A channel of this run's broker, when it is the SQLAlchemy transport."""
    if not settings.CELERY_BROKER_URL.startswith("sqla+"):
        pytest.skip("the broker of this run is not the SQLAlchemy transport")
    with app.connection_for_write() as conn:
        assert isinstance(conn.default_channel, Channel)
        yield conn.default_channel


def _connect(channel: Channel) -> Any:
    """Another connection to the broker's database, as another process would hold."""
    url = channel.session.get_bind().url
    return psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database)


def _until(cur: Any, query: str, params: list[Any]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        cur.execute(query, params)
        if cur.fetchone()[0]:
            return
        time.sleep(0.05)
    pytest.fail(f"not true after 10 s: {query}")


def test_a_poll_on_a_lost_connection_is_an_empty_poll_and_the_next_one_consumes(channel: Channel) -> None:
    queue = f"test-lost-{uuid.uuid4().hex[:8]}"
    channel._new_queue(queue)
    with pytest.raises(Empty):
        channel._get(queue)
    # One pooled connection only, so that the poll below is sure to take the one that is killed.
    channel.session.close()
    channel.session.get_bind().dispose()
    pid = channel.session.execute(text("SELECT pg_backend_pid()")).scalar()
    channel.session.commit()
    killer = _connect(channel)
    killer.autocommit = True
    with killer.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        # pg_terminate_backend only signals: wait until the backend is gone.
        _until(cur, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s", [pid])
    killer.close()

    with pytest.raises(Empty):  # the poll that meets the dead connection
        channel._get(queue)
    channel._put(queue, {"body": "after the loss"})
    assert channel._get(queue)["body"] == "after the loss"
    channel._purge(queue)


def test_a_queue_two_processes_create_at_once_is_created_once_and_both_publish(channel: Channel) -> None:
    queue = f"test-race-{uuid.uuid4().hex[:8]}"
    # The other process: its insert of the queue's row is not yet committed when this one looks.
    other = _connect(channel)
    with other.cursor() as cur:
        cur.execute("INSERT INTO kombu_queue (id, name) VALUES (nextval('queue_id_sequence'), %s)", [queue])
    failed: list[BaseException] = []

    def publish() -> None:
        try:
            channel._put(queue, {"body": "from this process"})
        except BaseException as exc:
            failed.append(exc)

    publisher = threading.Thread(target=publish)
    publisher.start()
    watcher = _connect(channel)
    watcher.autocommit = True
    with watcher.cursor() as cur:
        # This process found no row and its insert now waits on the other's uncommitted one.
        waiting = "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s"
        _until(cur, waiting, ["INSERT INTO kombu_queue%"])
    watcher.close()
    other.commit()
    with other.cursor() as cur:
        cur.execute(
            "INSERT INTO kombu_message (id, queue_id, visible, timestamp, payload, version)"
            " SELECT nextval('message_id_sequence'), id, true, now(), %s, 1 FROM kombu_queue WHERE name = %s",
            ['{"body": "from the other process"}', queue],
        )
    other.commit()
    other.close()
    publisher.join(timeout=30)
    assert not failed, failed
    rows = channel.session.execute(text("SELECT count(*) FROM kombu_queue WHERE name = :q"), {"q": queue}).scalar()
    assert rows == 1
    bodies = {channel._get(queue)["body"], channel._get(queue)["body"]}
    assert bodies == {"from this process", "from the other process"}
    channel._purge(queue)
