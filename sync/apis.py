"""HTTP endpoints of the sync: the signed inbox, the hub console API for referrals, and the receiver's return.

The inbox authenticates by per-peer signature instead of a login; everything it refuses is
logged with the reason and applies nothing.
"""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from complaints.access import Action, Caller, caller_from_request
from complaints.apis import OfficerReportDetailOutput, ReasonInput, _OfficerAction
from complaints.idempotency import idempotent
from registry.models import Instansi
from sync import services
from sync.delivery import outbox_replay
from sync.envelope import JSON_SCHEMA, EnvelopeError, envelope_parse
from sync.inbox import inbox_apply
from sync.models import HubReferral
from sync.selectors import sync_metrics, triage_counts
from sync.signing import SignatureRefused, signature_verify

logger = logging.getLogger(__name__)


class InboxApi(APIView):
    """Receive one signed sync message from a peer (another deployment or a K/L's own system)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=None, responses={200: None}, description="Body: a message of schema lapor.sync/1.")
    def post(self, request: Request) -> Response:
        raw = request.body
        try:
            verified = signature_verify(headers=dict(request.headers.items()), body=raw)
        except SignatureRefused as exc:
            logger.warning("sync inbox refused (%s) from %s: %s", exc.code, request.headers.get("X-Lapor-Peer"), exc)
            code = status.HTTP_401_UNAUTHORIZED if exc.code in ("unknown_peer", "bad_signature") else 403
            return Response({"detail": exc.message, "code": exc.code}, status=code)
        try:
            message = envelope_parse(json.loads(raw))
            outcome = inbox_apply(message=message, sender=verified.peer.code)
        except json.JSONDecodeError:
            logger.warning("sync inbox refused (malformed JSON) from %s", verified.peer.code)
            return Response({"detail": _("Isi pesan bukan JSON yang sah."), "code": "malformed"}, status=400)
        except EnvelopeError as exc:
            logger.warning("sync inbox refused (%s) from %s: %s", exc.code, verified.peer.code, exc.message)
            return Response({"detail": exc.message, "code": exc.code}, status=400)
        return Response({"status": outcome})


class SchemaApi(APIView):
    """The published JSON Schema of sync messages."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        return Response(JSON_SCHEMA)


# --- hub console (hub host) -----------------------------------------------------------------------


def _hub_caller(request: Request) -> Caller:
    caller = caller_from_request(request)
    if not any(m.role in (Role.HUB_OPERATOR, Role.KL_OFFICER) for m in caller.memberships):
        raise PermissionDenied(_("Hanya operator hub atau petugas K/L."))
    return caller


def _is_operator(caller: Caller) -> bool:
    return any(m.role == Role.HUB_OPERATOR for m in caller.memberships)


def _kl_codes(caller: Caller) -> list[str]:
    ids = [m.unit_id for m in caller.memberships if m.role == Role.KL_OFFICER and m.unit_id]
    return list(Instansi.objects.filter(pk__in=ids).values_list("code", flat=True))


def access_hub_referral(*, caller: Caller, referral_id: int) -> HubReferral:
    """Load a hub referral the caller may see: operators see all, K/L officers their own K/L's."""
    hub_ref = HubReferral.objects.filter(pk=referral_id).first()
    if hub_ref is None or not (
        _is_operator(caller) or (hub_ref.target_kind == "kl" and hub_ref.target_code in _kl_codes(caller))
    ):
        raise NotFound(_("Rujukan tidak ditemukan."))
    return hub_ref


class HubReferralOutput(serializers.ModelSerializer):
    class Meta:
        model = HubReferral
        fields = [
            "id",
            "referral_key",
            "tracking_id",
            "title",
            "origin_party",
            "origin_name",
            "category_code",
            "region_code",
            "target_code",
            "target_kind",
            "status",
            "version",
            "return_reason",
            "triage_due_at",
            "triage_escalated_at",
            "report",
            "followups",
            "created_at",
            "updated_at",
        ]


class HubReferralListApi(APIView):
    @extend_schema(responses=HubReferralOutput(many=True))
    def get(self, request: Request) -> Response:
        caller = _hub_caller(request)
        rows = HubReferral.objects.order_by("-created_at")
        if not _is_operator(caller):
            rows = rows.filter(target_kind="kl", target_code__in=_kl_codes(caller))
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(status=wanted)
        return Response(HubReferralOutput(rows[:200], many=True).data)


class HubActInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "followup", "return"])
    text = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    final = serializers.BooleanField(required=False, default=False)


class HubReferralActApi(APIView):
    """A K/L officer works a referral in the hub console."""

    @extend_schema(request=HubActInput, responses=HubReferralOutput)
    def post(self, request: Request, referral_id: int) -> Response:
        caller = _hub_caller(request)
        data = HubActInput(data=request.data)
        data.is_valid(raise_exception=True)
        hub_ref = access_hub_referral(caller=caller, referral_id=referral_id)
        hub_ref = services.hub_referral_act(hub_ref=hub_ref, actor_label=caller.username, **data.validated_data)
        return Response(HubReferralOutput(hub_ref).data)


class HubRouteInput(serializers.Serializer):
    target_code = serializers.CharField(max_length=40)


class HubReferralRouteApi(APIView):
    """A hub operator routes a referral out of the triage queue."""

    @extend_schema(request=HubRouteInput, responses=HubReferralOutput)
    def post(self, request: Request, referral_id: int) -> Response:
        caller = _hub_caller(request)
        if not _is_operator(caller):
            raise PermissionDenied(_("Hanya operator hub."))
        data = HubRouteInput(data=request.data)
        data.is_valid(raise_exception=True)
        hub_ref = access_hub_referral(caller=caller, referral_id=referral_id)
        hub_ref = services.hub_referral_route(hub_ref=hub_ref, target_code=data.validated_data["target_code"])
        return Response(HubReferralOutput(hub_ref).data)


class SyncStatusApi(APIView):
    """Backlog, oldest undelivered age, lag, failures and dead letters per peer and direction."""

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        if not _is_operator(_hub_caller(request)):
            raise PermissionDenied(_("Hanya operator hub."))
        metrics = sync_metrics()
        metrics.update(triage_counts())
        return Response(metrics)


def metrics_text(metrics: dict[str, object]) -> str:
    """The same figures in Prometheus' text format, for the monitoring system."""
    lines = [
        "# HELP lapor_sync_backlog Undelivered outbox messages per peer.",
        "# TYPE lapor_sync_backlog gauge",
    ]
    gauges = {
        "backlog": "lapor_sync_backlog",
        "oldest_undelivered_s": "lapor_sync_oldest_undelivered_seconds",
        "failing": "lapor_sync_failing",
        "dead_letters": "lapor_sync_dead_letters",
        "lag_avg_s": "lapor_sync_delivery_lag_seconds",
    }
    for row in metrics["out"]:  # type: ignore[attr-defined]
        for field, name in gauges.items():
            if row[field] is not None:
                lines.append(f'{name}{{peer="{row["peer"]}",direction="out"}} {row[field]}')
    for row in metrics["in"]:  # type: ignore[attr-defined]
        lines.append(
            f'lapor_sync_received_last_hour{{peer="{row["peer"]}",direction="in"}} {row["received_last_hour"]}'
        )
    lines.append(f"lapor_sync_triage {metrics['triage']}")
    lines.append(f"lapor_sync_triage_overdue {metrics['triage_overdue']}")
    return "\n".join(lines) + "\n"


class SyncMetricsApi(APIView):
    """Prometheus text exposition of the sync figures (hub operators)."""

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> HttpResponse:
        if not _is_operator(_hub_caller(request)):
            raise PermissionDenied(_("Hanya operator hub."))
        metrics = sync_metrics()
        metrics.update(triage_counts())
        return HttpResponse(metrics_text(metrics), content_type="text/plain; version=0.0.4")


class ReplayInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)


class DeadLetterReplayApi(APIView):
    @extend_schema(request=ReplayInput, responses={200: None})
    def post(self, request: Request) -> Response:
        if not _is_operator(_hub_caller(request)):
            raise PermissionDenied(_("Hanya operator hub."))
        data = ReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"replayed": outbox_replay(message_ids=data.validated_data["ids"])})


# --- receiving Pemda (tenant host) ----------------------------------------------------------------


class ReferralReturnApi(_OfficerAction):
    """The receiving Pemda returns a referral that is not theirs either; the hub re-routes it."""

    required_action = Action.VERIFY

    @extend_schema(request=ReasonInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            services.referral_return(report=report, actor=caller.actor, reason=data.validated_data["reason"])
        return self._respond(report)
