"""The citizen's pages at the national hub: what LAPOR! is, the Pemda directory, and the national
door (Lapor, Lacak) for a citizen who does not know who is responsible.

Lapor asks first where the problem is (one thing per page), then shows the same form as that
Pemda's own site; the place and, for national matters, the category decide (national_hub.intake).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tenants.utils import tenant_context

from complaints.tracking import tracking_id_normalize
from national_hub.intake import hub_filing_find, hub_report_file, responsible_pemda
from tenants.models import Domain, Pemda, PemdaKind, PemdaStatus
from tenants.regions import region_get, regions_all
from web.forms import Errors, service_errors
from web.portal import (
    follow_link,
    lapor_already,
    lapor_context,
    lapor_read,
    lapor_remember,
    lapor_status,
    site_root,
)
from web.portal import lapor_similar as web_portal_similar


def _live() -> list[Pemda]:
    return list(
        Pemda.objects.exclude(kind=PemdaKind.HUB)
        .filter(status=PemdaStatus.LIVE)
        .prefetch_related("domains")
        .order_by("code")
    )


def _host_of(pemda: Pemda) -> str:
    domain = Domain.objects.filter(tenant=pemda, is_primary=True).first() or Domain.objects.filter(tenant=pemda).first()
    return domain.domain if domain is not None else ""


@require_GET
def hub_home(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip().lower()
    pemda = _live()
    shown = [p for p in pemda if not q or q in p.name.lower() or p.code.startswith(q)]
    return render(request, "national_hub/home.html", {"pemda_list": shown, "total": len(pemda), "q": q})


def _places() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every kabupaten/kota, grouped by province (the choice of where a problem is)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    provinces = {r.code: r.name for r in regions_all() if r.province_code is None}
    for region in regions_all():
        if region.province_code is not None:
            groups.setdefault(provinces[region.province_code], []).append((region.code, region.name))
    return list(groups.items())


@require_http_methods(["GET", "POST"])
def hub_lapor(request: HttpRequest) -> HttpResponse:
    wilayah = request.GET.get("wilayah", "").strip()
    region = region_get(wilayah) if wilayah else None
    if region is None or region.province_code is None:
        errors: Errors = {"wilayah": [_("Pilih kabupaten/kota dari daftar.")]} if wilayah else {}
        return render(
            request,
            "national_hub/lapor_where.html",
            {"nav": "lapor", "places": _places(), "errors": errors, "wilayah": wilayah},
            status=400 if errors else 200,
        )
    pemda = responsible_pemda(region_code=region.code)
    if pemda is None:
        errors = {
            "wilayah": [_("%(name)s belum terhubung ke LAPOR!, begitu pula provinsinya.") % {"name": region.name}]
        }
        return render(
            request,
            "national_hub/lapor_where.html",
            {"nav": "lapor", "places": _places(), "errors": errors, "wilayah": wilayah},
            status=400,
        )
    values: dict[str, str] = {}
    errors = {}
    with tenant_context(pemda):
        if request.method == "POST":
            if lapor_already(request):
                return redirect("/lapor/terkirim/")
            values, data, errors = lapor_read(request, region.code)
            if data is not None:
                try:
                    filed = hub_report_file(pemda=pemda, data=data)
                except DjangoValidationError as exc:
                    errors = service_errors(exc)
                else:
                    tracking_id = filed.submission.report.tracking_id
                    link = follow_link(
                        request, host=_host_of(pemda), tracking_id=tracking_id, token=filed.submission.reporter_token
                    )
                    lapor_remember(request, form_id=values["form_id"], tracking_id=tracking_id, link=link)
                    return redirect("/lapor/terkirim/")
        context = lapor_context(region.code, values, errors)
    context.update(
        action=f"/lapor/?wilayah={region.code}",
        hub_region=region.code,
        region=region,
        receiver=pemda,
    )
    return lapor_status(request, render(request, "web/lapor.html", context, status=400 if errors else 200))


@require_GET
def hub_lacak(request: HttpRequest) -> HttpResponse:
    """Follow a report filed at the hub: its timeline is kept by the Pemda that holds it."""
    raw = request.GET.get("id", "").strip()
    errors: Errors = {}
    if raw:
        tracking_id = tracking_id_normalize(raw)
        filing = hub_filing_find(tracking_id=tracking_id) if tracking_id else None
        if filing is not None:
            return redirect(f"{site_root(request, _host_of(filing.pemda))}/lacak/{filing.tracking_id}/")
        errors = {
            "id": [
                _(
                    "Nomor pelacakan %(id)s tidak ditemukan di hub. Laporan yang dikirim langsung ke situs sebuah "
                    "Pemda dilacak di situs Pemda itu (lihat daftar Pemda di beranda)."
                )
                % {"id": raw}
            ]
        }
    return render(
        request, "web/lacak.html", {"nav": "lacak", "errors": errors, "raw": raw}, status=400 if errors else 200
    )


@require_GET
def hub_lapor_similar(request: HttpRequest) -> HttpResponse:
    """htmx: similar public reports of the Pemda that would receive this one."""
    region = region_get(request.GET.get("wilayah", ""))
    pemda = responsible_pemda(region_code=region.code) if region is not None else None
    if pemda is None:
        return HttpResponse("")
    with tenant_context(pemda):
        return web_portal_similar(request, lacak_root=site_root(request, _host_of(pemda)))
