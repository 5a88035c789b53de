"""django-tenants' PostgreSQL backend, minus the redundant `SET search_path` per request.

django-tenants forgets the applied search_path every time `set_tenant` is called, and its
middleware calls it twice per request (public, then the tenant), so every request re-sends
`SET search_path` even when the connection already points at that schema. This wrapper
remembers what the *server* currently has and keeps it when the tenant did not change. The
memory is dropped whenever PostgreSQL may have discarded the setting (close, rollback,
rollback to savepoint), so correctness never depends on it.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend import base as tenants_base


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._server_search_path: list[str] | None = None
        super().__init__(*args, **kwargs)

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        if self._server_search_path is not None and self._get_cursor_search_paths() == self._server_search_path:
            self.search_path_set_schemas = self._server_search_path

    def _handle_search_path(self, cursor: Any = None) -> None:
        super()._handle_search_path(cursor)
        self._server_search_path = self.search_path_set_schemas

    def close(self) -> None:
        self._server_search_path = None
        super().close()

    def rollback(self) -> None:
        self._server_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        self._server_search_path = None
        super().savepoint_rollback(sid)
