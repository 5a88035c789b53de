"""Typed access to the tenant the current database connection points at."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

    from tenants.models import Pemda


def _conn() -> DatabaseWrapper:
    return cast("DatabaseWrapper", connection)


def current_schema() -> str:
    return str(_conn().schema_name)


def current_tenant() -> Pemda:
    """The Pemda of the current request or task (a real row; the hub for public)."""
    return cast("Pemda", _conn().tenant)


def use_public_schema() -> None:
    _conn().set_schema_to_public()


def use_tenant(tenant: Pemda) -> None:
    _conn().set_tenant(tenant)


def use_schema(schema_name: str, *, include_public: bool = True) -> None:
    """Point the connection at a schema that may have no Pemda row (the onboarding template)."""
    _conn().set_schema(schema_name, include_public=include_public)
