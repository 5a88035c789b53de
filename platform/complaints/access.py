"""Load a report and check the caller's membership in one step (`access_*`).

Every API view and task reaches a report through these helpers, so no code path can forget
the check. An officer reaches only reports disposed into their unit's subtree.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from accounts.models import Membership, Role
from agencies.models import Unit
from complaints.audit import Actor
from complaints.models import Privacy, Report
from complaints.selectors import reports_visible_to, units_of
from complaints.tracking import tracking_id_normalize
from lapor.errors import AccessDenied


class Action(Enum):
    VIEW = "view"
    VERIFY = "verify"  # verify, defer, refer, archive, correct, merge
    DISPOSE = "dispose"  # re-dispose to another unit
    ANSWER = "answer"  # post a follow-up
    REVEAL = "reveal"  # see an anonim reporter's identity
    AUDIT = "audit"


_ROLE_ACTIONS: dict[str, set[Action]] = {
    Role.TENANT_ADMIN: {Action.VIEW, Action.VERIFY, Action.DISPOSE, Action.ANSWER, Action.AUDIT},
    Role.VERIFIKATOR: {Action.VIEW, Action.VERIFY, Action.DISPOSE, Action.REVEAL},
    Role.UNIT_HEAD: {Action.VIEW, Action.DISPOSE, Action.ANSWER},
    Role.UNIT_OFFICER: {Action.VIEW, Action.ANSWER},
    Role.PIMPINAN: {Action.VIEW},
    Role.AUDITOR: {Action.VIEW, Action.AUDIT},
}
_UNIT_ROLES = {Role.UNIT_HEAD, Role.UNIT_OFFICER}


@dataclass(frozen=True)
class Caller:
    """A logged-in member of the current Pemda, with all their memberships here."""

    user_id: int
    username: str
    memberships: list[Membership]

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, label=self.username)

    def can(self, action: Action) -> bool:
        return any(action in _ROLE_ACTIONS.get(m.role, set()) for m in self.memberships)

    def tenant_wide(self, action: Action) -> bool:
        return any(action in _ROLE_ACTIONS.get(m.role, set()) for m in self.memberships if m.role not in _UNIT_ROLES)

    def units_for(self, action: Action) -> list[Unit]:
        return units_of([m for m in self.memberships if action in _ROLE_ACTIONS.get(m.role, set())])


def access_reports(*, caller: Caller) -> QuerySet[Report]:
    return reports_visible_to(memberships=caller.memberships)


def access_report(*, caller: Caller, report_id: int, action: Action, for_update: bool = False) -> Report:
    """The report, if the caller may do `action` on it; 404 when they may not even see it."""
    reports = access_reports(caller=caller)
    if for_update:
        reports = reports.select_for_update(of=("self",))
    report = reports.filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("Laporan tidak ditemukan."))
    if caller.tenant_wide(action):
        return report
    if report.unit is not None and any(report.unit.path.startswith(u.path) for u in caller.units_for(action)):
        return report
    raise AccessDenied(_("Peran Anda tidak mengizinkan tindakan ini pada laporan ini."))


def access_unit_for_disposition(*, caller: Caller, unit_id: int) -> Unit:
    """A unit the caller may dispose to: any unit for verifikator/admin, own subtree for a unit head."""
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise NotFound(_("Unit SKPD tidak ditemukan."))
    if caller.tenant_wide(Action.DISPOSE):
        return unit
    if any(unit.path.startswith(u.path) for u in caller.units_for(Action.DISPOSE)):
        return unit
    raise AccessDenied(_("Unit tujuan berada di luar cabang unit Anda."))


def reporter_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_report_as_reporter(*, tracking_id: str, token: str | None, for_update: bool = False) -> Report:
    """The reporter's own report: the tracking ID plus the secret token given at submission."""
    normalized = tracking_id_normalize(tracking_id)
    reports = Report.objects.select_related("category", "unit")
    if for_update:
        reports = reports.select_for_update(of=("self",))
    report = reports.filter(tracking_id=normalized).first() if normalized else None
    if report is None:
        raise NotFound(_("Nomor pelacakan tidak dikenal."))
    if not token or not hmac.compare_digest(report.reporter_token_hash, reporter_token_hash(token)):
        raise AccessDenied(_("Token pelapor tidak cocok untuk laporan ini."))
    return report


def access_report_public(*, tracking_id: str) -> Report:
    """A report anyone may follow by its tracking ID; rahasia reports do not exist for the public."""
    normalized = tracking_id_normalize(tracking_id)
    report = (
        Report.objects.select_related("category", "unit").filter(tracking_id=normalized).first() if normalized else None
    )
    if report is None or Privacy.is_confidential(report.privacy):
        raise NotFound(_("Nomor pelacakan tidak dikenal."))
    return report


def caller_from_request(request: Any) -> Caller:
    """The authenticated member behind a DRF request (authentication already checked membership)."""
    django_request = getattr(request, "_request", request)
    memberships = getattr(django_request, "memberships", None)
    if memberships is None:
        from accounts.selectors import memberships_for
        from tenants.context import current_tenant

        memberships = memberships_for(user=request.user, tenant=current_tenant())
    return Caller(user_id=request.user.pk, username=request.user.get_username(), memberships=list(memberships))
