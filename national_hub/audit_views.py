"""The hub's public audit checkpoints: its key and every Pemda's signed chain heads (JSON), and the
/verifikasi/ page that checks a report's history against them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tenants.utils import tenant_context

from complaints.access import NotFound, access_report_public
from complaints.checkpoints import SegmentTooLong, report_chain
from complaints.historycheck import chain_verify, checkpoints_verify, hub_keys
from national_hub.checkpoints import checkpoints_overview, checkpoints_published, key_document
from national_hub.portal import _host_of
from sync.parties import local_pemda
from tenants.models import Pemda
from web.portal import site_root


def _without_key() -> HttpResponse:
    # A hub without its signing key (LAPOR_LOCAL=0 never makes one) signs and publishes nothing.
    return JsonResponse({"detail": "the hub's signing key is not configured (LAPOR_HUB_SIGNING_KEY_FILE)"}, status=503)


@require_GET
def audit_key(request: HttpRequest) -> HttpResponse:
    try:
        return JsonResponse(key_document())
    except ImproperlyConfigured:
        return _without_key()


@require_GET
def audit_checkpoints(request: HttpRequest) -> HttpResponse:
    try:
        return JsonResponse({"key": key_document(), "pemda": checkpoints_overview()})
    except ImproperlyConfigured:
        return _without_key()


@require_GET
def audit_checkpoints_of(request: HttpRequest, code: str) -> HttpResponse:
    """One Pemda's checkpoints, newest first (an unknown code has none)."""
    try:
        return JsonResponse(checkpoints_published(code[:40]))
    except ImproperlyConfigured:
        return _without_key()


@require_GET
def verifikasi(request: HttpRequest) -> HttpResponse:
    """Verifikasi riwayat at the hub: every Pemda's latest signed checkpoint, and a report's history
    checked against them here (a Pemda of this deployment) with the command to check it anywhere."""
    code = request.GET.get("pemda", "").strip()[:40]
    raw = request.GET.get("id", "").strip()
    overview = checkpoints_overview()
    context: dict[str, Any] = {
        "nav": "lacak",
        "overview": overview,
        "code": code,
        "raw": raw,
        "outcome": None,
        "checkpoint": None,
        "events": [],
        "error": "",
        "hub_url": site_root(request, request.get_host().split(":")[0]),
    }
    pemda = local_pemda(code) if code else None
    if code and raw:
        try:
            context.update(_check(pemda, code, raw))
        except ImproperlyConfigured:
            context["error"] = "no_checkpoint"
    if pemda is not None:
        context["pemda_url"] = site_root(request, _host_of(pemda))
    return render(
        request, "national_hub/verifikasi.html", context, status=404 if context["error"] == "unknown" else 200
    )


def _check(pemda: Pemda | None, code: str, raw: str) -> dict[str, Any]:
    """A report of a Pemda of this deployment against the hub's checkpoints of it."""
    if pemda is None:
        return {"error": "elsewhere"}
    published = checkpoints_published(code)
    if not published["checkpoints"]:
        return {"error": "no_checkpoint"}
    try:
        statements = checkpoints_verify(published["checkpoints"], hub_keys(published["key"]))
    except ValueError:
        return {"error": "signature"}
    with tenant_context(pemda):
        try:
            report = access_report_public(tracking_id=raw)
            chain = report_chain(report=report, upto=int(statements[0]["position"]))
        except NotFound:
            return {"error": "unknown"}
        except SegmentTooLong:
            return {"error": "too_long"}
    return {
        "outcome": chain_verify(chain, statements[0], statements[1:]),
        "checkpoint": statements[0],
        "events": chain["events"],
        "tracking_id": report.tracking_id,
    }
