"""The tenant admin's pages: the SKPD tree, officers, their roles and lost authenticators, the
work calendar, and the Open311 API keys.

Each form posts to one service (agencies.services, accounts.services, complaints.services); a
refusal comes back as field errors in the admin's language.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import two_factor
from accounts.lockout import lockout_response
from accounts.models import Membership, Role
from accounts.services import membership_set_active, officer_invite
from agencies.models import Unit, UnitKind
from agencies.services import unit_create, unit_move, unit_rename, unit_set_active
from complaints.access import Caller
from complaints.models import CalendarDay, CalendarDayKind
from complaints.services import calendar_day_set
from open311.models import ApiClient
from open311.services import apiclient_issue, apiclient_revoke
from web.console import console_view
from web.forms import Errors, service_errors
from web.portal import site_root

ASSIGNABLE = [
    (r.value, r.label) for r in Role if r not in (Role.HUB_OPERATOR, Role.KL_OFFICER)
]  # the hub's roles are given at the hub


def _admin_only(caller: Caller) -> None:
    if not any(m.role == Role.TENANT_ADMIN for m in caller.memberships):
        raise PermissionDenied


def _unit(raw: str) -> Unit | None:
    return Unit.objects.filter(pk=int(raw)).first() if raw.isdigit() else None


@console_view
@require_http_methods(["GET", "POST"])
def units(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The SKPD tree: add, rename, move and (de)activate units."""
    _admin_only(caller)
    errors: Errors = {}
    action = request.POST.get("action", "")
    if request.method == "POST":
        unit = _unit(request.POST.get("unit", ""))
        try:
            if action == "add":
                unit_create(
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", ""),
                    short_name=request.POST.get("short_name", ""),
                    parent=_unit(request.POST.get("parent", "")),
                )
                messages.success(request, _("Unit ditambahkan."))
            elif unit is not None and action == "rename":
                unit_rename(unit=unit, name=request.POST.get("name", ""), short_name=request.POST.get("short_name", ""))
                messages.success(request, _("Nama unit diubah."))
            elif unit is not None and action == "move":
                unit_move(unit=unit, parent=_unit(request.POST.get("parent", "")))
                messages.success(request, _("Unit dipindahkan."))
            elif unit is not None and action in ("deactivate", "activate"):
                unit_set_active(unit=unit, active=action == "activate")
                messages.success(request, _("Status unit diubah."))
            else:
                errors = {"non_field_errors": [_("Unit tidak ditemukan.")]}
        except DjangoValidationError as exc:
            errors = service_errors(exc)
        if not errors:
            return redirect("web-admin-units")
    tree = list(Unit.objects.order_by("path"))
    context = {
        "nav": "konsol",
        "page": "admin",
        "tree": [(u, u.path.count("/") - 2) for u in tree],
        "kinds": UnitKind.choices,
        "errors": errors,
        "values": request.POST if request.method == "POST" else {},
        "form": action,
    }
    return render(request, "console/admin_units.html", context, status=400 if errors else 200)


@console_view
@require_http_methods(["GET", "POST"])
def officers(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Who works here in which role; invite by a one-time link; withdraw a role; reset a lost
    authenticator (confirmed with the admin's own code, as a second sign-in would be)."""
    _admin_only(caller)
    tenant: Any = request.tenant  # type: ignore[attr-defined]
    errors: Errors = {}
    invited_link = ""
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "invite":
                unit = _unit(request.POST.get("unit_id", ""))
                invitation = officer_invite(
                    tenant=tenant,
                    username=request.POST.get("username", ""),
                    email=request.POST.get("email", ""),
                    role=request.POST.get("role", ""),
                    unit_id=unit.pk if unit is not None else None,
                )
                # Shown once, on this answer: only the link's digest is stored.
                host = request.get_host().split(":")[0]
                invited_link = f"{site_root(request, host)}/masuk/{invitation.issued.token}/"
            elif action in ("withdraw", "restore"):
                membership = Membership.objects.filter(pk=request.POST.get("membership", "0"), tenant=tenant).first()
                if membership is None:
                    raise DjangoValidationError(_("Peran tidak ditemukan."))
                membership_set_active(membership=membership, active=action == "restore")
                messages.success(request, _("Peran diubah."))
                return redirect("web-admin-officers")
            elif action == "reset_authenticator":
                admin: Any = request.user
                if two_factor.locked_out(request, admin):
                    return lockout_response(request, credentials={"username": admin.get_username()})
                if (
                    two_factor.required()
                    and two_factor.check_code(request, admin, request.POST.get("code", "")) is None
                ):
                    raise DjangoValidationError(
                        {
                            "code": [
                                _("Kode verifikasi Anda tidak cocok. Masukkan 6 angka dari aplikasi autentikator Anda.")
                            ]
                        }
                    )
                raw = request.POST.get("person", "")
                person = two_factor.authenticator_reset(
                    tenant=tenant, user_id=int(raw) if raw.isdigit() else 0, by=admin
                )
                messages.success(
                    request,
                    _(
                        "Autentikator %(name)s diatur ulang. Saat masuk berikutnya, ia memasang aplikasi autentikator "
                        "lagi dan mendapat kode pemulihan baru."
                    )
                    % {"name": person.get_username()},
                )
                return redirect("web-admin-officers")
        except DjangoValidationError as exc:
            errors = service_errors(exc)
    memberships = list(
        Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__username", "role")
    )
    unit_names = dict(Unit.objects.values_list("pk", "name"))
    people = list({m.user_id: m.user for m in memberships}.values())
    ids = [p.pk for p in people]
    enrolled = two_factor.enrolled_among(ids)
    elsewhere = set(
        Membership.objects.filter(user_id__in=ids, is_active=True)
        .exclude(tenant=tenant)
        .values_list("user_id", flat=True)
    )
    context = {
        "nav": "konsol",
        "page": "admin",
        "memberships": [(m, unit_names.get(m.unit_id or 0, "")) for m in memberships],
        "people": [
            (p, p.pk in enrolled, p.pk in elsewhere or p.is_staff or p.is_superuser, p.pk == request.user.pk)
            for p in people
        ],
        "resettable": [
            p
            for p in people
            if p.pk != request.user.pk and p.pk not in elsewhere and not p.is_staff and not p.is_superuser
        ],
        "roles": ASSIGNABLE,
        "units": Unit.objects.filter(is_active=True).order_by("path"),
        "errors": errors,
        # A code is never written back into the form.
        "values": {k: v for k, v in request.POST.items() if k != "code"} if request.method == "POST" and errors else {},
        "invited_link": invited_link,
    }
    return render(request, "console/admin_officers.html", context, status=400 if errors else 200)


@console_view
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest, caller: Caller) -> HttpResponse:
    """This Pemda's regional holidays, cuti bersama and substitute working days."""
    _admin_only(caller)
    errors: Errors = {}
    if request.method == "POST":
        day = parse_date(request.POST.get("date", ""))
        kind = request.POST.get("kind", "")
        name = request.POST.get("name", "").strip()
        if day is None:
            errors["date"] = [_("Tanggal tidak sah.")]
        if kind not in CalendarDayKind.values:
            errors["kind"] = [_("Pilih jenis hari.")]
        if not name:
            errors["name"] = [_("Nama hari wajib diisi.")]
        if not errors:
            calendar_day_set(actor=caller.actor, date=day, kind=kind, name=name)
            messages.success(request, _("Kalender kerja diperbarui; tenggat baru mengikutinya."))
            return redirect("web-admin-calendar")
    context = {
        "nav": "konsol",
        "page": "admin",
        "days": CalendarDay.objects.order_by("-date")[:200],
        "kinds": CalendarDayKind.choices,
        "errors": errors,
        "values": request.POST if request.method == "POST" else {},
    }
    return render(request, "console/admin_calendar.html", context, status=400 if errors else 200)


@console_view
@require_http_methods(["GET", "POST"])
def open311_keys(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Open311 API keys: issue one per client application (shown once), revoke it for good."""
    _admin_only(caller)
    errors: Errors = {}
    issued = None
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "issue":
                issued = apiclient_issue(name=request.POST.get("name", ""), actor_user_id=caller.user_id)
            elif action == "revoke" and request.POST.get("client", "").isdigit():
                revoked = apiclient_revoke(client_id=int(request.POST["client"]), actor_user_id=caller.user_id)
                messages.success(request, _("Kunci %(name)s dicabut.") % {"name": revoked.name})
                return redirect("web-admin-open311")
            else:
                errors = {"non_field_errors": [_("Permintaan tidak dikenal.")]}
        except DjangoValidationError as exc:
            errors = service_errors(exc)
    host = request.get_host().split(":")[0]
    context = {
        "nav": "konsol",
        "page": "admin",
        "clients": ApiClient.objects.all(),
        # Shown on this answer only: the database keeps the key's digest.
        "issued": issued,
        "endpoint": f"{site_root(request, host)}/open311/v2",
        "errors": errors,
        "values": request.POST if request.method == "POST" and errors else {},
    }
    return render(request, "console/admin_open311.html", context, status=400 if errors else 200)
