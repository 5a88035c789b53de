"""The default broker (kombu's SQLAlchemy transport on PostgreSQL) goes on after its database
connection is lost, as in a PostgreSQL restart or failover (lapor.sqla_broker)."""

from __future__ import annotations

import time
import uuid
from queue import Empty

import psycopg2
import pytest
from django.conf import settings
from sqlalchemy import text

from lapor.celery import app
from lapor.sqla_broker import Channel


def test_a_poll_on_a_lost_connection_is_an_empty_poll_and_the_next_one_consumes() -> None:
    if not settings.CELERY_BROKER_URL.startswith("sqla+"):
        pytest.skip("the broker of this run is not the SQLAlchemy transport")
    queue = f"test-lost-{uuid.uuid4().hex[:8]}"
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        assert isinstance(channel, Channel)
        channel._new_queue(queue)
        with pytest.raises(Empty):
            channel._get(queue)
        # One pooled connection only, so that the poll below is sure to take the one that is killed.
        channel.session.close()
        channel.session.get_bind().dispose()
        pid = channel.session.execute(text("SELECT pg_backend_pid()")).scalar()
        channel.session.commit()
        url = channel.session.bind.url
        killer = psycopg2.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
        )
        killer.autocommit = True
        with killer.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
            # pg_terminate_backend only signals: wait until the backend is gone.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cur.fetchone()[0] == 0:
                    break
                time.sleep(0.05)
        killer.close()

        with pytest.raises(Empty):  # the poll that meets the dead connection
            channel._get(queue)
        channel._put(queue, {"body": "after the loss"})
        assert channel._get(queue)["body"] == "after the loss"
        channel._purge(queue)
