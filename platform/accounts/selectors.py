"""Reads about who may act where."""

from __future__ import annotations

from typing import Any

from accounts.models import Membership


def memberships_for(*, user: Any, tenant: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or tenant is None:
        return []
    return list(Membership.objects.filter(user_id=user.pk, tenant_id=tenant.pk, is_active=True))
