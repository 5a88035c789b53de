"""The officer console of a Pemda host: the verification queue, the unit inbox and the report page.

Every report is reached through complaints.access (load and authorise in one step) and every
change goes through the same service as the API, validated by the API's own input serializers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import NotFound

from accounts import two_factor
from accounts.lockout import lockout_response
from accounts.selectors import memberships_for
from agencies.models import Unit
from complaints import services
from complaints.access import Action, Caller, access_report, access_reports, access_unit_for_disposition
from complaints.apis import DeferInput, DisposeInput, FollowUpInput, ReasonInput, ReferInput, VerifyInput
from complaints.models import AuditEvent, Category, LinkRole, Privacy, ReferralLink, Report, Status
from complaints.selectors import report_duplicate_candidates, report_handler_name, report_timeline
from complaints.services import reporter_identity
from lapor.errors import AccessDenied, InvalidTransition
from web.forms import Errors, service_errors, validated

# Rows per console list: a verifikator works the top of the queue; search finds the rest.
QUEUE_SIZE = 50
DEFERRED_SHOWN = 20


# --- signing in ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def masuk(request: HttpRequest) -> HttpResponse:
    """The staff login of this host: only members of this host's Pemda (or of the hub) get in."""
    target = request.POST.get("next") or request.GET.get("next") or "/konsol/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/konsol/"
    errors: Errors = {}
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        user = authenticate(request, username=username, password=request.POST.get("password", ""))
        tenant = request.tenant  # type: ignore[attr-defined]
        if user is not None and memberships_for(user=user, tenant=tenant):
            # Staff pass a second factor before the session is theirs (accounts.two_factor).
            return redirect(two_factor.start(request, user, next_url=target))
        # One message for both cases: a stranger learns nothing about which usernames exist.
        errors = {"username": [_("Nama pengguna atau kata sandi salah, atau Anda bukan petugas di sini.")]}
    context = {"nav": "masuk", "errors": errors, "values": {"username": username}, "next": target}
    return render(request, "web/masuk.html", context, status=400 if errors else 200)


@require_POST
def keluar(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("Anda sudah keluar."))
    return redirect("/")


def _caller(request: HttpRequest) -> Caller | None:
    memberships = list(getattr(request, "memberships", None) or [])
    if not request.user.is_authenticated or not memberships:
        return None
    return Caller(user_id=request.user.pk, username=request.user.get_username(), memberships=memberships)


def console_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A console page: log in first; a member of another Pemda is nobody here."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = _caller(request)
        if caller is None:
            return redirect_to_login(request.get_full_path(), "/masuk/")
        return view(request, caller, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- lists -----------------------------------------------------------------------------------------


@console_view
def konsol(request: HttpRequest, caller: Caller) -> HttpResponse:
    if caller.tenant_wide(Action.VERIFY):
        return redirect("web-queue")
    if any(m.role in ("pimpinan", "auditor") for m in caller.memberships):
        return redirect("web-kinerja")
    return redirect("web-inbox")


def _search(reports: QuerySet[Report], q: str) -> QuerySet[Report]:
    from complaints.filters import ReportFilter

    return ReportFilter().filter_text(reports, "q", q) if q else reports


@console_view
def antrean(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The verifikator's queue: awaiting verification, oldest (so nearest deadline) first; tunda after.

    Ordered by arrival, which the (status, submitted_at) index serves however long the queue: the
    deadline is three working days after arrival, so the order is the deadlines' (a report resumed
    after tunda, whose clock restarted, comes up a little early).
    """
    if not caller.tenant_wide(Action.VERIFY):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    visible = access_reports(caller=caller)
    waiting = list(_search(visible.filter(status=Status.SUBMITTED), q).order_by("submitted_at")[:QUEUE_SIZE])
    deferred = list(_search(visible.filter(status=Status.DEFERRED), q).order_by("submitted_at")[:DEFERRED_SHOWN])
    return render(
        request,
        "console/queue.html",
        {"nav": "konsol", "reports": waiting + deferred, "q": q, "now": timezone.now(), "page": "queue"},
    )


@console_view
def kotak_masuk(request: HttpRequest, caller: Caller) -> HttpResponse:
    """A unit's inbox: reports disposed into the caller's subtree, overdue first."""
    now = timezone.now()
    q = request.GET.get("q", "").strip()
    reports = _search(access_reports(caller=caller).filter(status__in=[Status.DISPOSED, Status.ANSWERED]), q)
    if caller.tenant_wide(Action.VIEW):
        reports = reports.filter(unit__isnull=False)
    overdue = Q(status=Status.DISPOSED, first_response_at__isnull=True, response_due_at__lt=now)
    reports = reports.annotate(
        late=Case(When(overdue, then=0), default=1, output_field=IntegerField()),
        answered=Case(When(status=Status.ANSWERED, then=1), default=0, output_field=IntegerField()),
    ).order_by("late", "answered", "response_due_at", "submitted_at")
    return render(
        request,
        "console/inbox.html",
        {
            "nav": "konsol",
            "reports": list(reports[:QUEUE_SIZE]),
            "q": q,
            "now": now,
            "page": "inbox",
            "units": _disposable_units(caller),
            "can_dispose": caller.can(Action.DISPOSE),
        },
    )


@console_view
@require_POST
def kotak_masuk_disposisi(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Bulk re-disposition of the chosen reports to one unit (each through the same service)."""
    ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
    data, _errors = validated(DisposeInput(data=request.POST))
    moved, refused = 0, 0
    if data is None or not ids:
        messages.error(request, _("Pilih laporan dan unit tujuan."))
        return redirect("web-inbox")
    for report_id in ids:
        try:
            with transaction.atomic():
                report = access_report(caller=caller, report_id=report_id, action=Action.DISPOSE, for_update=True)
                unit = access_unit_for_disposition(caller=caller, unit_id=data["unit_id"])
                services.report_dispose(report=report, actor=caller.actor, unit=unit, note=data["note"])
            moved += 1
        except (NotFound, AccessDenied, InvalidTransition, DjangoValidationError):
            refused += 1
    messages.success(request, _("%(n)s laporan didisposisikan.") % {"n": moved})
    if refused:
        messages.warning(request, _("%(n)s laporan tidak dapat didisposisikan ke unit itu.") % {"n": refused})
    return redirect("web-inbox")


def _disposable_units(caller: Caller) -> list[Unit]:
    units = Unit.objects.filter(is_active=True).order_by("path")
    if caller.tenant_wide(Action.DISPOSE):
        return list(units)
    roots = caller.units_for(Action.DISPOSE)
    if not roots:
        return []
    subtree = Q()
    for root in roots:
        subtree |= Q(path__startswith=root.path)
    return list(units.filter(subtree))


# --- the report page -------------------------------------------------------------------------------

# Console action -> (what the caller must be allowed, input serializer).
ACTIONS: dict[str, tuple[Action, Any]] = {
    "verifikasi": (Action.VERIFY, VerifyInput),
    "tunda": (Action.VERIFY, DeferInput),
    "rujuk": (Action.VERIFY, ReferInput),
    "arsip": (Action.VERIFY, ReasonInput),
    "kembalikan": (Action.VERIFY, ReasonInput),
    "disposisi": (Action.DISPOSE, DisposeInput),
    "tanggapi": (Action.ANSWER, FollowUpInput),
    "catatan": (Action.VIEW, None),
    "identitas": (Action.REVEAL, ReasonInput),
}


def _may(caller: Caller, report: Report, action: Action) -> bool:
    try:
        access_report(caller=caller, report_id=report.pk, action=action)
    except (NotFound, AccessDenied):
        return False
    return True


@console_view
def laporan(request: HttpRequest, caller: Caller, report_id: int) -> HttpResponse:
    return _report_page(request, caller, report_id)


def _report_page(
    request: HttpRequest,
    caller: Caller,
    report_id: int,
    *,
    errors: Errors | None = None,
    form: str = "",
    identity: services.ReporterIdentity | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        report = access_report(caller=caller, report_id=report_id, action=Action.VIEW)
    except NotFound:
        raise Http404 from None
    allowed = {name: _may(caller, report, needed) for name, (needed, _input) in ACTIONS.items()}
    open_for_verification = report.status in (Status.SUBMITTED, Status.DEFERRED)
    received = ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.RECEIVER).exists()
    thread: list[tuple[str, Any, Any]] = [("entry", e.at, e) for e in report_timeline(report)]
    thread += [("note", n.created_at, n) for n in report.internal_notes.all()]
    context = {
        "nav": "konsol",
        "report": report,
        "now": timezone.now(),
        "handler": report_handler_name(report),
        "thread": sorted(thread, key=lambda item: item[1]),
        "attachments": list(report.attachments.all()),
        "reporter": None if Privacy.is_anonymous(report.privacy) else reporter_identity(report),
        "identity": identity,
        "can": {
            "verify": allowed["verifikasi"] and report.status == Status.SUBMITTED,
            "defer": allowed["tunda"] and report.status == Status.SUBMITTED,
            "refer": allowed["rujuk"] and open_for_verification,
            "archive": allowed["arsip"] and open_for_verification and not received,
            "return": allowed["kembalikan"] and open_for_verification and received,
            "dispose": allowed["disposisi"] and report.status == Status.DISPOSED,
            "answer": allowed["tanggapi"] and report.status == Status.DISPOSED,
            "reveal": allowed["identitas"] and Privacy.is_anonymous(report.privacy),
            "audit": _may(caller, report, Action.AUDIT),
        },
        "units": _disposable_units(caller),
        "categories": Category.objects.filter(is_active=True).order_by("name"),
        "duplicates": report_duplicate_candidates(report=report) if open_for_verification else [],
        "audit": list(AuditEvent.objects.filter(report_id=report.pk).order_by("id"))
        if _may(caller, report, Action.AUDIT)
        else [],
        "errors": errors or {},
        "form": form,
        "values": {k: str(v).strip() for k, v in request.POST.items()} if request.method == "POST" else {},
    }
    return render(request, "console/report.html", context, status=status)


@console_view
@require_POST
def laporan_aksi(request: HttpRequest, caller: Caller, report_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    needed, input_class = ACTIONS[action]
    identity = None
    errors: Errors = {}
    try:
        with transaction.atomic():
            report = access_report(caller=caller, report_id=report_id, action=needed, for_update=True)
            data, errors = (
                validated(input_class(data=request.POST))
                if input_class
                else ({"text": request.POST.get("text", "")}, {})
            )
            if data is not None:
                identity = _perform(action, report=report, caller=caller, data=data)
    except NotFound:
        raise Http404 from None
    except (AccessDenied, InvalidTransition, DjangoValidationError) as exc:
        errors = service_errors(exc)
    if errors:
        return _report_page(request, caller, report_id, errors=errors, form=action, status=400)
    if identity is not None:
        # Shown once, on this answer; never kept in a message or the session.
        return _report_page(request, caller, report_id, identity=identity)
    messages.success(request, _DONE[action])
    if action in ("verifikasi", "rujuk", "arsip", "kembalikan") and caller.tenant_wide(Action.VERIFY):
        return redirect("web-queue")
    return redirect(reverse("web-report", args=[report_id]))


_DONE = {
    "verifikasi": gettext_lazy("Laporan diverifikasi dan didisposisikan."),
    "tunda": gettext_lazy("Laporan ditunda; pertanyaan terkirim ke pelapor."),
    "rujuk": gettext_lazy("Laporan dirujuk lewat hub nasional."),
    "arsip": gettext_lazy("Laporan diarsipkan."),
    "kembalikan": gettext_lazy("Rujukan dikembalikan ke hub nasional."),
    "disposisi": gettext_lazy("Laporan didisposisikan ulang."),
    "tanggapi": gettext_lazy("Tanggapan terkirim ke pelapor."),
    "catatan": gettext_lazy("Catatan internal disimpan."),
}


def _perform(action: str, *, report: Report, caller: Caller, data: dict[str, Any]) -> services.ReporterIdentity | None:
    actor = caller.actor
    if action == "verifikasi":
        unit = access_unit_for_disposition(caller=caller, unit_id=data["unit_id"])
        services.report_verify(
            report=report,
            actor=actor,
            unit=unit,
            title=data.get("title"),
            category=data.get("category"),
            note=data["note"],
        )
    elif action == "tunda":
        services.report_defer(report=report, actor=actor, question=data["question"])
    elif action == "rujuk":
        services.report_refer(report=report, actor=actor, **data)
    elif action == "arsip":
        services.report_archive(report=report, actor=actor, reason=data["reason"])
    elif action == "kembalikan":
        from complaints.referrals.services import referral_return

        referral_return(report=report, actor=actor, reason=data["reason"])
    elif action == "disposisi":
        unit = access_unit_for_disposition(caller=caller, unit_id=data["unit_id"])
        services.report_dispose(report=report, actor=actor, unit=unit, note=data["note"])
    elif action == "tanggapi":
        services.followup_create(report=report, actor=actor, text=data["text"], final=data["final"])
    elif action == "catatan":
        services.note_create(report=report, actor=actor, text=data["text"])
    elif action == "identitas":
        return services.identity_reveal(report=report, actor=actor, reason=data["reason"])
    return None


@console_view
@require_http_methods(["GET", "POST"])
def sandi(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Choose a password (after a one-time link) or change it; Django's validators judge it."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import SetPasswordForm

    user: Any = request.user  # console_view let only a signed-in member through
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Kata sandi disimpan."))
        return redirect("/konsol/")
    errors: Errors = {field: [str(m) for m in messages_] for field, messages_ in form.errors.items()}
    return render(request, "console/password.html", {"nav": "konsol", "errors": errors}, status=400 if errors else 200)


@never_cache
@console_view
@require_http_methods(["GET", "POST"])
def keamanan(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The signed-in person's sign-in: their authenticator, the recovery codes left, new recovery
    codes (confirmed with a current code of the authenticator, never with a recovery code, so a
    lost phone cannot be replaced by codes alone), and the way to the password page."""
    user: Any = request.user
    errors: Errors = {}
    enrolled = two_factor.has_device(user)
    if request.method == "POST" and enrolled:
        if two_factor.locked_out(request, user):
            return lockout_response(request, credentials={"username": user.get_username()})
        code = two_factor.normalise(request.POST.get("code", ""))
        device = two_factor.check_code(request, user, code) if code.isdigit() and len(code) == 6 else None
        if device is not None:
            shown = {"nav": "konsol", "codes": two_factor.recovery_codes_issue(user), "next": reverse("web-security")}
            return render(request, "accounts/otp_recovery.html", shown)
        errors = {"code": [_("Kode tidak cocok. Masukkan 6 angka yang sedang tampil di aplikasi autentikator.")]}
    context = {
        "nav": "konsol",
        "errors": errors,
        "enrolled": enrolled,
        "codes_left": two_factor.recovery_codes_left(user),
    }
    return render(request, "console/keamanan.html", context, status=400 if errors else 200)


@console_view
def laporan_list(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The reports the caller may see, filtered as the API's list is (a dashboard figure's drill-down)."""
    from complaints.filters import ReportFilter

    filtered = ReportFilter(request.GET, queryset=access_reports(caller=caller).order_by("-submitted_at", "-id"))
    if not filtered.is_valid():
        errors: Errors = {field: [str(m) for m in messages_] for field, messages_ in filtered.errors.items()}
        return render(request, "console/list.html", {"nav": "konsol", "errors": errors, "reports": []}, status=400)
    page = max(1, int(request.GET["halaman"])) if request.GET.get("halaman", "").isdigit() else 1
    rows = list(filtered.qs[(page - 1) * QUEUE_SIZE : page * QUEUE_SIZE + 1])
    query = request.GET.copy()
    query["halaman"] = str(page + 1)
    context = {
        "nav": "konsol",
        "reports": rows[:QUEUE_SIZE],
        "next_query": query.urlencode() if len(rows) > QUEUE_SIZE else "",
        "now": timezone.now(),
        "errors": {},
    }
    return render(request, "console/list.html", context)
