"""django-tenants' PostgreSQL backend, minus per-request work that proves nothing new.

1. The redundant `SET search_path`. django-tenants forgets the applied search_path every time
`set_tenant` is called, so every switch away and back (a lookup in public, a `schema_context`)
re-sent `SET search_path` even when the connection already pointed at that schema on the server. This wrapper
remembers what the *server* currently has and keeps it when the tenant did not change. The
memory is dropped whenever PostgreSQL may have discarded the setting (close, rollback,
rollback to savepoint), so correctness never depends on it.

2. The health check of a connection that just proved itself. With CONN_HEALTH_CHECKS Django
sends `SELECT 1` before the first query of *every* request; under load that round trip cost
more than the intake statement itself (py-spy on `make bench-intake`). As connection pools do
(HikariCP's `aliveBypassWindowMs`), a connection that finished a request without a database
error (or passed Django's check after one) less than `DB_HEALTH_CHECK_BYPASS_MS` ago (default
1000) is not pinged again; an older one still is, and a failed one is closed. If the server
goes away inside that window, the one request that finds out gets the error and Django closes
the connection at its end, as without health checks.

3. The same tenant set again. Setting the schema the connection already has keeps what
django-tenants would throw away (the applied search_path, the ContentType cache) and only
records the tenant object.

It also remembers which statements this session has PREPAREd (`prepared_statements`, see
complaints.intake), forgotten whenever the server session is.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django_tenants.postgresql_backend import base as tenants_base


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._server_search_path: list[str] | None = None
        self._proven_at = float("-inf")
        self.prepared_statements: set[str] = set()
        super().__init__(*args, **kwargs)

    def connect(self) -> None:
        self.prepared_statements = set()
        super().connect()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and not self.health_check_done  # type: ignore[has-type]
            and not self.connection.closed
            and time.monotonic() - self._proven_at < settings.DB_HEALTH_CHECK_BYPASS_MS / 1000
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        # Called when a request starts and when it ends. A connection that served queries in the
        # request just ended (health_check_done) and is still open has proven itself: either no
        # error occurred, or Django just checked it because one did (and closes it if unusable).
        served = self.connection is not None and self.health_check_done
        super().close_if_unusable_or_obsolete()
        if served and self.connection is not None:
            self._proven_at = time.monotonic()

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        if self.schema_name == tenant.schema_name and self.include_public_schema == include_public:
            # The same schema again (most requests of a worker): django-tenants would forget the
            # search_path and clear the ContentType cache, both still valid for this schema.
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)
        if self._server_search_path is not None and self._get_cursor_search_paths() == self._server_search_path:
            self.search_path_set_schemas = self._server_search_path

    def _handle_search_path(self, cursor: Any = None) -> None:
        super()._handle_search_path(cursor)
        self._server_search_path = self.search_path_set_schemas

    def close(self) -> None:
        self._server_search_path = None
        self._proven_at = float("-inf")
        self.prepared_statements = set()
        super().close()

    def rollback(self) -> None:
        self._server_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        self._server_search_path = None
        super().savepoint_rollback(sid)
