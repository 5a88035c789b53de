"""A report's history as anyone can check it: its audit events with their chain position, the chain
segment up to the hub's signed checkpoint (JSON), and a page that checks it here and says how to
check it elsewhere (complaints.checkpoints, complaints.historycheck)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from complaints.access import AccessDenied, NotFound, access_report_as_reporter, access_report_public
from complaints.checkpoints import SegmentTooLong, hub_checkpoints, report_chain
from complaints.historycheck import chain_verify, checkpoints_verify, hub_keys
from complaints.models import Report
from sync.parties import current_party
from web.portal import site_root

logger = logging.getLogger(__name__)


def _report(request: HttpRequest, tracking_id: str) -> Report:
    """The public report, or with the reporter's key (`kunci`) the reporter's own rahasia one."""
    token = request.GET.get("kunci", "")
    try:
        if token:
            try:
                return access_report_as_reporter(tracking_id=tracking_id, token=token)
            except AccessDenied:
                pass
        return access_report_public(tracking_id=tracking_id)
    except NotFound:
        raise Http404 from None


def _position(raw: str) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value > 0 else None


@require_GET
def report_chain_json(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """`?sampai=<position>`: the segment up to that position (default the head); `?segmen=0`: events only."""
    report = _report(request, tracking_id)
    upto = _position(request.GET.get("sampai", ""))
    if request.GET.get("segmen") == "0":
        upto = 0
    try:
        chain = report_chain(report=report, upto=upto)
    except SegmentTooLong:
        return JsonResponse(
            {
                "detail": f"segment longer than {settings.LAPOR_AUDIT_SEGMENT_MAX} events;"
                " ask up to an earlier checkpoint"
            },
            status=413,
        )
    return JsonResponse(chain)


def _hub_url(request: HttpRequest) -> str:
    return settings.LAPOR_AUDIT_HUB_URL or site_root(request, settings.BASE_DOMAIN)


@require_GET
def lacak_riwayat(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """Verifikasi riwayat: the report's history checked here against the hub's latest checkpoint."""
    report = _report(request, tracking_id)
    context: dict[str, Any] = {"nav": "lacak", "report": report, "checkpoint": None, "outcome": None, "error": ""}
    try:
        listing = hub_checkpoints(current_party())
    except Exception as exc:  # the hub unreachable: the page still explains how to check
        logger.warning("audit checkpoints of %s not readable: %s", current_party(), exc)
        listing = {"checkpoints": []}
        context["error"] = "unreachable"
    chain = report_chain(report=report, upto=0)
    if listing["checkpoints"]:
        try:
            statements = checkpoints_verify(listing["checkpoints"], hub_keys(listing["key"]))
            statement = statements[0]  # the latest; the earlier ones the segment passes are checked too
            chain = report_chain(report=report, upto=int(statement["position"]))
            context["checkpoint"] = statement
            context["outcome"] = chain_verify(chain, statement, statements[1:])
        except ValueError:
            context["error"] = "signature"
        except SegmentTooLong:
            context["error"] = "too_long"
    outcome = context["outcome"]
    context["events"] = [
        {
            **event,
            "state": (
                "verified"
                if outcome is not None and event["position"] in outcome.verified
                else "pending"
                if context["checkpoint"] is None or event["position"] > int(context["checkpoint"]["position"])
                else "legacy"
                if event["format"] == 1
                else "failed"
            ),
        }
        for event in chain["events"]
    ]
    context["segment_length"] = len(chain["segment"]["entries"]) if chain.get("segment") else 0
    context["pemda_url"] = site_root(request, request.get_host().split(":")[0])
    context["hub_url"] = _hub_url(request)
    return render(request, "web/lacak_riwayat.html", context)
