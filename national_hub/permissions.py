"""Who may act as the national hub: a hub operator, on the hub's own host."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from accounts.models import Role


def is_hub_operator(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    if tenant is None or not tenant.is_hub or not request.user.is_authenticated:
        return False
    return any(m.role == Role.HUB_OPERATOR for m in getattr(request, "memberships", []))


class IsHubOperator(BasePermission):
    message = "Hanya operator hub nasional. (Hub operators only.)"

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_hub_operator(request._request)
