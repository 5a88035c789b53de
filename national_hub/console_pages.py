"""The hub operators' console pages: the triage queue, sync health and the K/L registry.

Server-rendered, working without JavaScript. Every change goes through the service the API
calls (national_hub.referrals, sync.delivery, national_hub.registry.services); a refusal comes
back as field errors with status 400 and nothing written, a success redirects (post/redirect/get).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import NotFound

from lapor.errors import InvalidTransition
from national_hub.checkpoints import checkpoint_alarms
from national_hub.models import HubStatus
from national_hub.permissions import HubMember, access_hub_referral, hub_memberships, is_hub_operator
from national_hub.referrals import hub_referral_route, route_name
from national_hub.registry.data import REGISTRY_AS_OF, REGISTRY_SOURCE
from national_hub.registry.models import Connector, Instansi, InstansiKind, RoutingRule, RuleKind
from national_hub.registry.services import (
    instansi_create,
    instansi_update,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
)
from national_hub.routing import Route
from national_hub.selectors import (
    category_choices,
    dead_letter_ids,
    dead_letters,
    hub_referrals_routed,
    hub_route_choices,
    hub_route_suggestions,
    hub_sync_figures,
    hub_triage_queue,
    party_names,
)
from sync.delivery import outbox_replay
from sync.models import Peer
from web.forms import Errors, service_errors

# The replay service's batch, as the API caps it: "replay all" takes the oldest this many at a time.
REPLAY_BATCH = 1000


def hub_operator_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for hub operators only: log in first; anyone else at the hub gets the 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_hub_operator(request):
            return render(request, "403.html", {"nav": "konsol"}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _render(
    request: HttpRequest, template: str, page: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    base = {"nav": "konsol", "hub_page": page, "operator": True, "errors": {}}
    return render(request, template, {**base, **context}, status=status)


# --- triage --------------------------------------------------------------------------------------------


@hub_operator_page
def triage_queue(request: HttpRequest) -> HttpResponse:
    """The triage queue (nearest SLA first) and the referrals routed lately, filtered by status."""
    status = request.GET.get("status", "")
    routed_statuses = [(s.value, s.label) for s in HubStatus if s != HubStatus.TRIAGE]
    if status not in dict(routed_statuses):
        status = ""
    queue = hub_triage_queue()
    routed = hub_referrals_routed(status=status or None)
    names = party_names([r.origin_party for r in [*queue, *routed]] + [r.target_code for r in routed])
    context = {
        "queue": queue,
        "routed": routed,
        "names": names,
        "status": status,
        "statuses": routed_statuses,
        "now": timezone.now(),
    }
    return _render(request, "national_hub/triage.html", "triase", context)


@hub_operator_page
@require_http_methods(["GET", "POST"])
def triage_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral: what it is about and where it came from, and the form that routes it."""
    try:
        hub_ref = access_hub_referral(member=HubMember(hub_memberships(request)), referral_id=referral_id)
    except NotFound:
        raise Http404 from None
    errors: Errors = {}
    target = request.POST.get("target_code", "").strip()
    if request.method == "POST":
        if not target:
            errors = {"target_code": [_("Isi kode tujuan: kode Pemda (mis. 32.75) atau kode K/L (mis. kemensos).")]}
        else:
            try:
                routed = hub_referral_route(hub_ref=hub_ref, target_code=target, from_triage=True)
            except (ValidationError, InvalidTransition) as exc:
                errors = service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Rujukan %(tid)s diarahkan ke %(name)s; Pemda asal sudah diberi tahu.")
                    % {"tid": routed.tracking_id, "name": route_name(Route(routed.target_kind, routed.target_code))},
                )
                return redirect("hub-triage")
        hub_ref.refresh_from_db()
    origin = party_names([hub_ref.origin_party]).get(hub_ref.origin_party, hub_ref.origin_name)
    context = {
        "ref": hub_ref,
        "origin": hub_ref.origin_name or origin,
        "target": route_name(Route(hub_ref.target_kind, hub_ref.target_code)) if hub_ref.target_code else "",
        "report": hub_ref.report,
        "location": hub_ref.report.get("location") or {},
        "submitted_at": parse_datetime(str(hub_ref.report.get("submitted_at") or "")),
        "suggestions": hub_route_suggestions(hub_ref=hub_ref) if hub_ref.status == HubStatus.TRIAGE else [],
        "choices": hub_route_choices() if hub_ref.status == HubStatus.TRIAGE else [],
        "errors": errors,
        "target_code": target,
        "now": timezone.now(),
    }
    return _render(request, "national_hub/triage_referral.html", "triase", context, status=400 if errors else 200)


# --- sync health ---------------------------------------------------------------------------------------


@hub_operator_page
def sync_health(request: HttpRequest) -> HttpResponse:
    """Backlog, oldest pending message, lag and dead letters per peer, and the dead letters to replay."""
    now = timezone.now()
    figures = hub_sync_figures()
    letters, dead_total = dead_letters()
    alarms = checkpoint_alarms()
    names = party_names(
        [a.pemda_code for a in alarms]
        + [row["peer"] for row in figures["out"]]
        + [row["peer"] for row in figures["in"]]
        + [m.sender for m in letters]
        + [m.recipient for m in letters]
    )
    outgoing = [
        {
            **row,
            "name": names.get(row["peer"], ""),
            # As a moment, so the page says "3 jam, 5 menit" in the reader's language.
            "oldest_since": now - timedelta(seconds=row["oldest_undelivered_s"]) if row["backlog"] else None,
        }
        for row in figures["out"]
    ]
    context = {
        "figures": figures,
        "outgoing": outgoing,
        "incoming": [{**row, "name": names.get(row["peer"], "")} for row in figures["in"]],
        "totals": {
            "backlog": sum(r["backlog"] for r in figures["out"]),
            "failing": sum(r["failing"] for r in figures["out"]),
            "dead": dead_total,
        },
        "letters": letters,
        "dead_total": dead_total,
        "names": names,
        "now": now,
        "replay_batch": REPLAY_BATCH,
        "checkpoint_alarms": alarms,
    }
    return _render(request, "national_hub/sync.html", "sinkronisasi", context)


@hub_operator_page
@require_POST
def sync_replay(request: HttpRequest) -> HttpResponse:
    """Put one dead letter, or all of them (oldest first, a batch at a time), back in the queue."""
    if request.POST.get("all"):
        ids = dead_letter_ids(limit=REPLAY_BATCH)
    else:
        ids = []
        for raw in request.POST.getlist("id")[:REPLAY_BATCH]:
            try:
                ids.append(str(uuid.UUID(raw)))
            except ValueError:
                continue
    if not ids:
        messages.warning(request, _("Tidak ada pesan gagal yang dipilih untuk dikirim ulang."))
        return redirect("hub-sync")
    count = outbox_replay(message_ids=ids)
    if count:
        messages.success(
            request,
            ngettext(
                "%(n)s pesan gagal dimasukkan lagi ke antrean kirim.",
                "%(n)s pesan gagal dimasukkan lagi ke antrean kirim.",
                count,
            )
            % {"n": count},
        )
    else:
        messages.warning(request, _("Tidak ada pesan yang dikirim ulang: pesan itu sudah tidak gagal."))
    return redirect("hub-sync")


# --- K/L registry and routing rules ---------------------------------------------------------------------


@hub_operator_page
def registry(request: HttpRequest) -> HttpResponse:
    """Every K/L with the categories it handles, and the routing rules."""
    instansi = list(Instansi.objects.order_by("-is_active", "kind", "name"))
    rules = list(RoutingRule.objects.order_by("kind", "priority", "id"))
    context = {
        "instansi": instansi,
        "rules": rules,
        "names": party_names([r.target_code for r in rules]),
        "source": REGISTRY_SOURCE,
        "as_of": REGISTRY_AS_OF,
    }
    return _render(request, "national_hub/registry.html", "registri", context)


def _instansi_form(request: HttpRequest) -> dict[str, Any]:
    other = request.POST.get("other_categories", "").replace(",", " ").split()
    return {
        "code": request.POST.get("code", "").strip(),
        "name": request.POST.get("name", ""),
        "acronym": request.POST.get("acronym", ""),
        "kind": request.POST.get("kind", ""),
        "connector": request.POST.get("connector", ""),
        "is_active": request.POST.get("is_active") == "on",
        "categories": [*request.POST.getlist("categories"), *other],
    }


def _instansi_page(
    request: HttpRequest, *, instansi: Instansi | None, values: dict[str, Any], errors: Errors
) -> HttpResponse:
    code = instansi.code if instansi else ""
    owners: dict[str, str] = {}
    for other in Instansi.objects.filter(is_active=True).exclude(code=code).exclude(categories=[]):
        for category in other.categories:
            owners[category] = other.acronym
    known = category_choices()
    listed = {c for c, _n, _national in known}
    chosen = [c.strip().lower() for c in values.get("categories", [])]
    context = {
        "instansi": instansi,
        "values": values,
        "chosen": chosen,
        "other_categories": " ".join(c for c in chosen if c not in listed),
        "national_categories": [(c, n, owners.get(c, "")) for c, n, national in known if national],
        "local_categories": [(c, n, owners.get(c, "")) for c, n, national in known if not national],
        "kinds": InstansiKind.choices,
        "connectors": Connector.choices,
        "peer": Peer.objects.filter(code=code).first() if instansi else None,
        "errors": errors,
    }
    return _render(request, "national_hub/registry_instansi.html", "registri", context, status=400 if errors else 200)


@hub_operator_page
@require_http_methods(["GET", "POST"])
def registry_instansi_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        values: dict[str, Any] = {"kind": InstansiKind.LEMBAGA, "connector": Connector.HUB_CONSOLE, "is_active": True}
        return _instansi_page(request, instansi=None, values=values, errors={})
    values = _instansi_form(request)
    try:
        created = instansi_create(**values)
    except ValidationError as exc:
        return _instansi_page(request, instansi=None, values=values, errors=service_errors(exc))
    messages.success(request, _("K/L %(name)s ditambahkan ke registri.") % {"name": created.acronym})
    return redirect("hub-registry")


@hub_operator_page
@require_http_methods(["GET", "POST"])
def registry_instansi_edit(request: HttpRequest, code: str) -> HttpResponse:
    instansi = Instansi.objects.filter(code=code).first()
    if instansi is None:
        raise Http404
    if request.method == "GET":
        values: dict[str, Any] = {
            "code": instansi.code,
            "name": instansi.name,
            "acronym": instansi.acronym,
            "kind": instansi.kind,
            "connector": instansi.connector,
            "is_active": instansi.is_active,
            "categories": list(instansi.categories),
            "inbox_url": getattr(Peer.objects.filter(code=code).first(), "inbox_url", ""),
        }
        return _instansi_page(request, instansi=instansi, values=values, errors={})
    values = _instansi_form(request)
    values.pop("code")
    inbox_url = request.POST.get("inbox_url") if "inbox_url" in request.POST else None
    try:
        instansi_update(instansi=instansi, inbox_url=inbox_url, **values)
    except ValidationError as exc:
        return _instansi_page(
            request,
            instansi=instansi,
            values={**values, "code": instansi.code, "inbox_url": inbox_url or ""},
            errors=service_errors(exc),
        )
    messages.success(
        request, _("Perubahan %(name)s disimpan; rute berikutnya mengikutinya.") % {"name": instansi.acronym}
    )
    return redirect("hub-registry")


def _rule_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "kind": request.POST.get("kind", ""),
        "category_code": request.POST.get("category_code", ""),
        "region_prefix": request.POST.get("region_prefix", ""),
        "target_code": request.POST.get("target_code", ""),
        "priority": request.POST.get("priority", "").strip(),
        "is_active": request.POST.get("is_active") == "on",
    }


def _rule_page(
    request: HttpRequest, *, rule: RoutingRule | None, values: dict[str, Any], errors: Errors
) -> HttpResponse:
    context = {
        "rule": rule,
        "values": values,
        "kinds": RuleKind.choices,
        "categories": category_choices(),
        "choices": hub_route_choices(),
        "errors": errors,
    }
    return _render(request, "national_hub/registry_rule.html", "registri", context, status=400 if errors else 200)


@hub_operator_page
@require_http_methods(["GET", "POST"])
def registry_rule_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        values: dict[str, Any] = {"kind": RuleKind.CATEGORY, "priority": 100, "is_active": True}
        return _rule_page(request, rule=None, values=values, errors={})
    values = _rule_form(request)
    try:
        routing_rule_create(**values)
    except ValidationError as exc:
        return _rule_page(request, rule=None, values=values, errors=service_errors(exc))
    messages.success(request, _("Aturan rute ditambahkan; rujukan berikutnya mengikutinya."))
    return redirect("hub-registry")


@hub_operator_page
@require_http_methods(["GET", "POST"])
def registry_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    if request.method == "GET":
        values: dict[str, Any] = {
            "kind": rule.kind,
            "category_code": rule.category_code,
            "region_prefix": rule.region_prefix,
            "target_code": rule.target_code,
            "priority": rule.priority,
            "is_active": rule.is_active,
        }
        return _rule_page(request, rule=rule, values=values, errors={})
    values = _rule_form(request)
    try:
        routing_rule_update(rule=rule, **values)
    except ValidationError as exc:
        return _rule_page(request, rule=rule, values=values, errors=service_errors(exc))
    messages.success(request, _("Aturan rute disimpan; rujukan berikutnya mengikutinya."))
    return redirect("hub-registry")


@hub_operator_page
@require_POST
def registry_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    routing_rule_delete(rule=rule)
    messages.success(request, _("Aturan rute dihapus."))
    return redirect(reverse("hub-registry") + "#aturan")
