"""The citizen portal of a Pemda host: file a report (Lapor), follow it (Lacak), browse (Pantau).

Each page works without JavaScript; htmx only adds suggestions while typing and the village list
of a chosen kecamatan. A submission goes through the API's own input serializer and the same
intake service, so the page, the app and every channel keep one set of rules.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import NotFound

from agencies.models import Unit
from complaints import services
from complaints.access import access_report_as_reporter, access_report_public
from complaints.apis import RatingInput, ReasonInput, ReportSubmitInput, TextInput
from complaints.checkpoints import report_events
from complaints.models import Category, Privacy, Report, ReportType, Status
from complaints.selectors import (
    PUBLIC_STATUSES,
    public_reports,
    public_reports_page,
    report_duplicate_candidates,
    report_handler_name,
    report_timeline,
)
from complaints.tracking import tracking_id_normalize
from lapor.errors import AccessDenied, InvalidTransition
from lapor.replica import replica_reads
from lapor.throttles import intake_wait
from tenants.regions import Place, kecamatan_of, place_names_like, region_get, village_by_name, villages_of
from web.forms import Errors, form_data, service_errors, validated

PAGE_SIZE = 20
_SUBMITTED_KEY = "lapor_submitted"  # session: form id -> (tracking ID, reporter token)
_TEXT_FIELDS = (
    "type",
    "category",
    "title",
    "text",
    "privacy",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "reporter_nik",
    "address",
    "kecamatan",
    "kelurahan",
    "kelurahan_nama",
    "form_id",
)


def home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("name")
    recent = list(public_reports().select_related("category", "unit").order_by("-submitted_at")[:5])
    return render(request, "web/home.html", {"units": units, "recent": recent})


# --- Lapor -----------------------------------------------------------------------------------------


def _categories() -> dict[str, list[Category]]:
    from complaints.seed import NATIONAL_CATEGORIES

    national = {code for code, _n, _e in NATIONAL_CATEGORIES}
    grouped: dict[str, list[Category]] = {"local": [], "national": []}
    for category in Category.objects.filter(is_active=True).order_by("name"):
        grouped["national" if category.code in national else "local"].append(category)
    return grouped


def _kecamatan_groups(pemda_code: str) -> list[tuple[str, list[Place]]]:
    groups: dict[str, list[Place]] = {}
    for place in kecamatan_of(pemda_code):
        groups.setdefault(place.group, []).append(place)
    return list(groups.items())


def _location(pemda_code: str, values: dict[str, str]) -> tuple[dict[str, str], Errors]:
    """The place the citizen chose (kecamatan, then kelurahan/desa by list or by typed name)."""
    if not values["kecamatan"]:
        return {}, {}
    kecamatan = next((p for p in kecamatan_of(pemda_code) if p.code == values["kecamatan"]), None)
    if kecamatan is None:
        return {}, {"kecamatan": [_("Pilih kecamatan dari daftar.")]}
    location = {"kecamatan": kecamatan.name, "region_code": kecamatan.code}
    village: Place | None = None
    if values["kelurahan"]:
        village = next((p for p in villages_of(kecamatan.code) if p.code == values["kelurahan"]), None)
        if village is None:
            return {}, {"kelurahan": [_("Kelurahan/desa itu tidak ada di Kecamatan %(k)s.") % {"k": kecamatan.name}]}
    elif values["kelurahan_nama"]:
        village = village_by_name(kecamatan.code, values["kelurahan_nama"])
        if village is None:
            close = place_names_like(kecamatan.code, values["kelurahan_nama"])
            message = _("Kelurahan/desa %(v)s tidak ada di Kecamatan %(k)s.") % {
                "v": values["kelurahan_nama"],
                "k": kecamatan.name,
            }
            if close:
                message += " " + _("Mungkin maksud Anda: %(names)s.") % {"names": ", ".join(close)}
            return {}, {"kelurahan": [message]}
    if village is not None:
        location.update(kelurahan=village.name, region_code=village.code)
    return location, {}


def lapor_read(request: HttpRequest, pemda_code: str) -> tuple[dict[str, str], dict[str, Any] | None, Errors]:
    """The posted form: its values (to show again), the validated report data, and the errors.

    Validation is the API's own (ReportSubmitInput) plus the place checked against the region data
    of `pemda_code`; nothing is written.
    """
    values = form_data(request, *_TEXT_FIELDS)
    location, errors = _location(pemda_code, values)
    payload: dict[str, Any] = {
        **{k: values[k] for k in _TEXT_FIELDS[:9] if values[k]},
        "address": values["address"],
        **location,
        "attachments": request.FILES.getlist("attachments"),
        "channel": "web",
    }
    data, input_errors = validated(ReportSubmitInput(data=payload))
    errors = {**input_errors, **errors}
    if not errors:
        wait = intake_wait(request)
        if wait is not None:
            request.intake_wait = wait  # type: ignore[attr-defined]
            message = _("Terlalu banyak laporan dari sini dalam waktu singkat. Coba lagi dalam %(n)s detik.")
            errors = {"non_field_errors": [message % {"n": wait}]}
    return values, (data if not errors else None), errors


def lapor_status(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The form page's status: 429 with Retry-After when the filing was throttled."""
    wait = getattr(request, "intake_wait", None)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


def lapor_submit(data: dict[str, Any]) -> services.Submission:
    """File the validated report in the current Pemda (the same intake service as every channel)."""
    return services.report_submit(
        type=data["type"],
        category=data["category"],
        title=data["title"],
        text=data["text"],
        privacy=data["privacy"],
        channel="web",
        language=(get_language() or "id")[:2],
        reporter=services.ReporterIdentity(
            name=data["reporter_name"],
            phone=data["reporter_phone"],
            email=data["reporter_email"],
            nik=data["reporter_nik"],
        ),
        location={k: data[k] for k in ("address", "kecamatan", "kelurahan", "region_code") if k in data},
        attachments=data["attachments"],
    )


def lapor_already(request: HttpRequest) -> bool:
    """The same form sent twice (a double click, a refresh) files one report."""
    return bool(request.session.get(_SUBMITTED_KEY, {}).get(request.POST.get("form_id", "")))


def lapor_remember(request: HttpRequest, *, form_id: str, tracking_id: str, link: str) -> None:
    """Keep what the answer page shows (after the redirect) in the visitor's session, briefly."""
    submitted = request.session.get(_SUBMITTED_KEY, {})
    submitted[form_id or "-"] = [tracking_id, link]
    request.session[_SUBMITTED_KEY] = dict(list(submitted.items())[-5:])
    request.session["lapor_last"] = form_id or "-"


def follow_link(request: HttpRequest, *, host: str, tracking_id: str, token: str) -> str:
    """The citizen's private follow-up link (it carries the reporter token) on the Pemda's own host."""
    path = reverse("web-lacak-detail", args=[tracking_id], urlconf="lapor.urls_tenant")
    return site_root(request, host) + path + "?" + urlencode({"kunci": token})


def site_root(request: HttpRequest, host: str) -> str:
    """`scheme://host[:port]` of another host of this deployment, as the visitor reaches this one."""
    port = request.get_port()
    return f"{request.scheme}://{host}{'' if port in ('80', '443') else ':' + port}"


def lapor_context(pemda_code: str, values: dict[str, str], errors: Errors) -> dict[str, Any]:
    kecamatan = values.get("kecamatan", "")
    return {
        "nav": "lapor",
        "values": values,
        "errors": errors,
        "form_id": values.get("form_id") or uuid.uuid4().hex,
        "categories": _categories(),
        "types": ReportType.choices,
        "kecamatan_groups": _kecamatan_groups(pemda_code),
        "villages": villages_of(kecamatan) if kecamatan and "." in kecamatan else (),
        "max_attachments": settings.LAPOR_MAX_ATTACHMENTS,
        "max_mb": settings.LAPOR_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "action": "/lapor/",
    }


@require_http_methods(["GET", "POST"])
def lapor(request: HttpRequest) -> HttpResponse:
    pemda = request.tenant  # type: ignore[attr-defined]
    values: dict[str, str] = {}
    errors: Errors = {}
    if request.method == "POST":
        if lapor_already(request):
            return redirect("web-lapor-done")
        values, data, errors = lapor_read(request, pemda.code)
        if data is not None:
            try:
                submission = lapor_submit(data)
            except DjangoValidationError as exc:
                errors = service_errors(exc)
            else:
                tracking_id = submission.report.tracking_id
                link = follow_link(
                    request,
                    host=request.get_host().split(":")[0],
                    tracking_id=tracking_id,
                    token=submission.reporter_token,
                )
                lapor_remember(request, form_id=values["form_id"], tracking_id=tracking_id, link=link)
                return redirect("web-lapor-done")
    context = lapor_context(pemda.code, values, errors)
    return lapor_status(request, render(request, "web/lapor.html", context, status=400 if errors else 200))


@require_GET
def lapor_done(request: HttpRequest) -> HttpResponse:
    """The answer page: the tracking ID and the private link, shown from the session after the POST."""
    last = request.session.get("lapor_last")
    found = request.session.get(_SUBMITTED_KEY, {}).get(last) if last else None
    if not found:
        return redirect("/lapor/")
    tracking_id, link = found
    return render(request, "web/lapor_done.html", {"nav": "lapor", "tracking_id": tracking_id, "link": link})


@require_GET
def lapor_villages(request: HttpRequest) -> HttpResponse:
    """htmx: the kelurahan/desa list of the chosen kecamatan."""
    code = request.GET.get("kecamatan", "")
    pemda = request.tenant  # type: ignore[attr-defined]
    # At the hub the form is for the kabupaten/kota the citizen chose first.
    scope = request.GET.get("wilayah", "") if pemda.is_hub else pemda.code
    known = {p.code for p in kecamatan_of(scope)} if region_get(scope) else set()
    villages = villages_of(code) if code in known else ()
    return render(request, "web/_villages.html", {"villages": villages, "values": {}})


@require_GET
def lapor_similar(request: HttpRequest, lacak_root: str = "") -> HttpResponse:
    """htmx: public reports like the one being typed, to follow instead of repeating it (links to
    `lacak_root`, the Pemda's own site when asked at the hub)."""
    category = Category.objects.filter(code=request.GET.get("category", ""), is_active=True).first()
    title = request.GET.get("title", "").strip()
    similar: list[Report] = []
    if category is not None and len(title) >= 5:
        probe = Report(
            pk=None, category=category, title=title, text=request.GET.get("text", ""), submitted_at=timezone.now()
        )
        similar = [
            r
            for r in report_duplicate_candidates(report=probe, limit=10)
            if r.status in PUBLIC_STATUSES and not Privacy.is_confidential(r.privacy)
        ][:3]
    return render(request, "web/_similar.html", {"similar": similar, "lacak_root": lacak_root})


# --- Lacak -----------------------------------------------------------------------------------------


@require_GET
def lacak(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("id", "").strip()
    errors: Errors = {}
    if raw:
        tracking_id = tracking_id_normalize(raw)
        if tracking_id is not None:
            return redirect("web-lacak-detail", tracking_id=tracking_id)
        errors = {
            "id": [
                _("Nomor pelacakan %(id)s tidak sah. Periksa lagi: 9 huruf dan angka, mis. ABCD-12345.") % {"id": raw}
            ]
        }
    return render(
        request, "web/lacak.html", {"nav": "lacak", "errors": errors, "raw": raw}, status=400 if errors else 200
    )


def _reporter_or_public(request: HttpRequest, tracking_id: str, token: str) -> tuple[Report, bool]:
    if token:
        try:
            return access_report_as_reporter(tracking_id=tracking_id, token=token), True
        except AccessDenied:
            pass  # a wrong key reads as the public would: it reveals nothing more
        except NotFound:
            raise Http404 from None
    try:
        return access_report_public(tracking_id=tracking_id), False
    except NotFound:
        raise Http404 from None


@require_GET
def lacak_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    token = request.GET.get("kunci", "")
    report, is_reporter = _reporter_or_public(request, tracking_id, token)
    return _render_detail(request, report, is_reporter=is_reporter, token=token if is_reporter else "")


def _render_detail(
    request: HttpRequest, report: Report, *, is_reporter: bool, token: str, errors: Errors | None = None, form: str = ""
) -> HttpResponse:
    context = {
        "nav": "lacak",
        "report": report,
        "timeline": report_timeline(report),
        "handler": report_handler_name(report),
        "is_reporter": is_reporter,
        "token": token,
        "can_reply": is_reporter
        and report.status in (Status.SUBMITTED, Status.DEFERRED, Status.DISPOSED, Status.ANSWERED),
        "can_rate": is_reporter and report.status in (Status.ANSWERED, Status.CLOSED) and report.rating is None,
        "can_reopen": is_reporter and services.report_can_reopen(report),
        "attachments": list(report.attachments.all()),
        "audit_events": [{**e, "when": datetime.fromisoformat(e["at"])} for e in report_events(report)],
        "errors": errors or {},
        "form": form,
        "values": form_data(request, "text", "rating", "comment", "reason") if request.method == "POST" else {},
    }
    return render(request, "web/lacak_detail.html", context, status=400 if errors else 200)


@require_POST
def lacak_act(request: HttpRequest, tracking_id: str, action: str) -> HttpResponse:
    """The reporter replies, rates or reopens: the token travels in the form, never in a cookie."""
    token = request.POST.get("kunci", "")
    inputs = {"balas": TextInput, "nilai": RatingInput, "buka": ReasonInput}
    if action not in inputs:
        raise Http404
    try:
        with transaction.atomic():
            report = access_report_as_reporter(tracking_id=tracking_id, token=token, for_update=True)
            data, errors = validated(inputs[action](data=request.POST))
            if data is not None:
                try:
                    if action == "balas":
                        services.reporter_reply(report=report, text=data["text"])
                    elif action == "nilai":
                        services.report_rate(report=report, rating=data["rating"], comment=data["comment"])
                    else:
                        services.report_reopen(report=report, reason=data["reason"])
                except (DjangoValidationError, InvalidTransition) as exc:
                    errors = service_errors(exc)
    except (NotFound, AccessDenied):
        raise Http404 from None
    if errors:
        report.refresh_from_db()
        return _render_detail(request, report, is_reporter=True, token=token, errors=errors, form=action)
    done = {
        "balas": _("Balasan Anda terkirim."),
        "nilai": _("Terima kasih atas penilaian Anda."),
        "buka": _("Laporan dibuka kembali dan diteruskan ke unit yang menanganinya."),
    }[action]
    from django.contrib import messages

    messages.success(request, done)
    url = reverse("web-lacak-detail", args=[report.tracking_id]) + "?" + urlencode({"kunci": token})
    return HttpResponseRedirect(url)


# --- Pantau ----------------------------------------------------------------------------------------


def _cursor(report: Report) -> str:
    return f"{report.submitted_at.isoformat()}_{report.pk}"


def _parse_cursor(raw: str) -> tuple[datetime, int] | None:
    try:
        at, pk = raw.rsplit("_", 1)
        return datetime.fromisoformat(at), int(pk)
    except ValueError:
        return None


@replica_reads
@require_GET
def pantau(request: HttpRequest) -> HttpResponse:
    """Public monitoring, newest first. Pages are addressed by the last report seen (keyset), so
    the thousandth page costs what the first does."""
    from django.db.models import Q

    params = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "kategori", "status", "unit", "kecamatan", "dari", "sampai", "setelah")
    }
    reports = public_reports()
    if params["kategori"]:
        reports = reports.filter(category__code=params["kategori"])
    if params["status"] in PUBLIC_STATUSES:
        reports = reports.filter(status=params["status"])
    if params["unit"].isdigit():
        unit = Unit.objects.filter(pk=int(params["unit"])).first()
        reports = reports.filter(unit__path__startswith=unit.path) if unit else reports.none()
    if params["kecamatan"]:
        reports = reports.filter(region_code__startswith=params["kecamatan"])
    since, until = parse_date(params["dari"] or ""), parse_date(params["sampai"] or "")
    if since:
        reports = reports.filter(submitted_at__date__gte=since)
    if until:
        reports = reports.filter(submitted_at__date__lte=until)
    if params["q"]:
        tracking_id = tracking_id_normalize(params["q"])
        match = Q(title__ilike_contains=params["q"]) | Q(text__ilike_contains=params["q"])
        reports = reports.filter(match | Q(tracking_id=tracking_id) if tracking_id else match)
    cursor = _parse_cursor(params["setelah"]) if params["setelah"] else None
    page = public_reports_page(reports=reports, after=cursor, size=PAGE_SIZE + 1)
    has_next = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    next_query = ""
    if has_next:
        next_query = urlencode(
            {**{k: v for k, v in params.items() if v and k != "setelah"}, "setelah": _cursor(page[-1])}
        )
    pemda = request.tenant  # type: ignore[attr-defined]
    context = {
        "nav": "pantau",
        "reports": page,
        "params": params,
        "next_query": next_query,
        "first_query": urlencode({k: v for k, v in params.items() if v and k != "setelah"}),
        "is_first": cursor is None,
        "categories": _categories(),
        "statuses": [(s, Status(s).label) for s in PUBLIC_STATUSES],
        "units": Unit.objects.filter(parent__isnull=True, is_active=True).order_by("name"),
        "kecamatan_groups": _kecamatan_groups(pemda.code),
    }
    return render(request, "web/pantau.html", context)
