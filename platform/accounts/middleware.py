"""Treat a logged-in user with no membership in the current tenant as anonymous there."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from accounts import two_factor
from accounts.selectors import memberships_for


def apply_tenant_membership(request: HttpRequest, user: object, *, second_factor: bool | None = None) -> object:
    """Return the user when they hold an active membership in request.tenant, else AnonymousUser.

    A member whose session has not passed the second factor (accounts.two_factor) is nobody here
    either while two-factor sign-in is required. `second_factor` states it for credentials that
    carry no session (Basic); by default the session's OTPMiddleware mark decides.
    """
    tenant = getattr(request, "tenant", None)
    if not getattr(user, "is_authenticated", False):
        return user
    memberships = memberships_for(user=user, tenant=tenant)
    if memberships and two_factor.required():
        passed = two_factor.is_verified(user) if second_factor is None else second_factor
        if not passed:
            request.memberships = []  # type: ignore[attr-defined]
            return AnonymousUser()
    request.memberships = memberships  # type: ignore[attr-defined]
    return user if memberships else AnonymousUser()


class TenantMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []  # type: ignore[attr-defined]
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session, so no logged-in user: skip loading one (API clients authenticate in DRF).
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.user = apply_tenant_membership(request, user)  # type: ignore[assignment]
        return self.get_response(request)
