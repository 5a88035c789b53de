"""kombu's SQLAlchemy transport (the default broker, on the platform's PostgreSQL), able to go on
after the database connection is lost.

kombu's `Channel._get` polls inside a session and commits in a `finally`. When the connection dies
(a PostgreSQL restart, a failover to another member) the query fails, the commit then fails too,
and the session refuses every later statement until it is rolled back, which nothing does: the
worker goes on polling and never consumes again. Here a failed poll rolls the session back,
drops the pool's connections and counts as "no message now"; the next poll, a moment later,
connects again (to the new primary behind a multi-host DATABASE_URL, docs/ha.md).

kombu creates a queue's row on first use under a lock of its process only: two processes
publishing to a new queue at once both find no row, and the second insert fails on the queue
name's unique index. Here that failure is rolled back and the row the other process wrote is read.

Registered for the `sqla` and `sqlalchemy` schemes by lapor.celery.
"""

from __future__ import annotations

import logging
from queue import Empty
from typing import Any

from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy.exc import IntegrityError

logger = logging.getLogger(__name__)


class Channel(kombu_sqla.Channel):
    def _get_or_create(self, queue: Any) -> Any:
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            self.session.rollback()
            found = self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).first()
            if found is None:
                raise
            logger.info("broker queue %s was created by another process at the same time", queue)
            return found

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        try:
            return super()._get(queue)
        except Empty:
            raise
        except Exception as exc:
            self.session.rollback()
            # Drop the pooled connections too: a server that ended them (a restart, a failover,
            # pg_terminate_backend) is not always reported as a disconnect, and the next statement
            # (a publish, the next poll) would take the same dead connection from the pool.
            self.session.close()
            self.session.get_bind().dispose()
            logger.warning("broker poll of %s failed, polling again: %s", queue, str(exc).strip().splitlines()[0])
            raise Empty() from exc


class Transport(kombu_sqla.Transport):
    Channel = Channel
