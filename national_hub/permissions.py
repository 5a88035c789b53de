"""Who may act at the hub, in one place: hub operators and K/L officers, on the hub's own host.

`access_hub_referral` loads a hub referral and checks the caller in one step (the habit of
complaints.access), so no console view can forget the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.models import Membership, Role
from national_hub.models import HubReferral, TargetKind
from national_hub.registry.models import Instansi


def hub_memberships(request: Any) -> list[Membership]:
    """The caller's memberships at the hub, or none when this is not the hub's host."""
    django_request: HttpRequest = getattr(request, "_request", request)
    tenant = getattr(django_request, "tenant", None)
    if tenant is None or not tenant.is_hub or not django_request.user.is_authenticated:
        return []
    memberships = getattr(django_request, "memberships", None)
    if memberships is None:
        from accounts.selectors import memberships_for

        memberships = memberships_for(user=django_request.user, tenant=tenant)
    return list(memberships)


def _is_operator(memberships: Iterable[Membership]) -> bool:
    return any(m.role == Role.HUB_OPERATOR for m in memberships)


def is_hub_operator(request: Any) -> bool:
    return _is_operator(hub_memberships(request))


class IsHubOperator(BasePermission):
    message = gettext_lazy("Hanya operator hub nasional.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_hub_operator(request)


class HubMember:
    """A hub operator or a K/L officer working in the hub console."""

    def __init__(self, memberships: list[Membership]) -> None:
        self.memberships = memberships
        self.is_operator = _is_operator(memberships)

    def kl_codes(self) -> list[str]:
        """The K/L this officer works for (memberships carry the registry id as unit_id)."""
        ids = [m.unit_id for m in self.memberships if m.role == Role.KL_OFFICER and m.unit_id]
        return list(Instansi.objects.filter(pk__in=ids).values_list("code", flat=True))


def access_hub_member(request: Any, *, operator_only: bool = False) -> HubMember:
    """The caller as a hub member; 403 for anyone else (or anyone but an operator, when asked)."""
    member = HubMember([m for m in hub_memberships(request) if m.role in (Role.HUB_OPERATOR, Role.KL_OFFICER)])
    if operator_only and not member.is_operator:
        raise PermissionDenied(_("Hanya operator hub nasional."))
    if not member.memberships:
        raise PermissionDenied(_("Hanya operator hub atau petugas K/L."))
    return member


def hub_referrals_visible_to(member: HubMember) -> Any:
    """Operators see every referral; a K/L officer those routed to their own K/L."""
    rows = HubReferral.objects.all()
    if not member.is_operator:
        rows = rows.filter(target_kind=TargetKind.KL, target_code__in=member.kl_codes())
    return rows


def access_hub_referral(*, member: HubMember, referral_id: int) -> HubReferral:
    """A hub referral the member may see; 404 (never 403) for one they may not, so ids reveal nothing."""
    hub_ref = hub_referrals_visible_to(member).filter(pk=referral_id).first()
    if hub_ref is None:
        raise NotFound(_("Rujukan tidak ditemukan."))
    return hub_ref
