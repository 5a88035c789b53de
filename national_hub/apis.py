"""Hub console API: onboarding of the 552 Pemda, hub referrals (triage, K/L console), sync status.

Views validate with a small input serializer, call one service and render; rules live in
tenants.services / tenants.offboarding (onboarding), national_hub.referrals (referrals) and
sync (its own figures and dead letters).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from national_hub.models import HubReferral
from national_hub.permissions import IsHubOperator, access_hub_member, access_hub_referral, hub_referrals_visible_to
from national_hub.referrals import hub_referral_act, hub_referral_route
from national_hub.selectors import hub_sync_figures
from sync.delivery import outbox_replay
from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_unarchive
from tenants.selectors import OnboardingState, pemda_onboarding_counts, pemda_onboarding_list
from tenants.services import OnboardingError, Outcome, pemda_onboard


def _error(exc: OnboardingError) -> Response:
    if exc.code == "not_found":  # the Pemda named in the path is not registered
        return Response({"detail": " ".join(exc.messages), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)


class OnboardingRowOutput(serializers.Serializer):
    code = serializers.CharField(source="region.code")
    name = serializers.CharField(source="region.name")
    kind = serializers.CharField(source="region.kind")
    province_code = serializers.CharField(source="region.province_code", allow_null=True)
    timezone = serializers.CharField(source="region.timezone_label")
    state = serializers.CharField()
    state_label = serializers.CharField()
    domain = serializers.CharField(allow_null=True)


class OnboardingListOutput(serializers.Serializer):
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    results = OnboardingRowOutput(many=True)


class OnboardingFilter(serializers.Serializer):
    province = serializers.RegexField(r"^\d{2}$", required=False)
    state = serializers.ChoiceField(choices=list(OnboardingState.ORDER), required=False)


class OnboardInput(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False, max_length=5)
    admin_email = serializers.EmailField(required=False, default="")


class OnboardResultOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    outcome = serializers.CharField()
    message = serializers.CharField()
    units = serializers.IntegerField()
    admin_username = serializers.CharField()
    login_url = serializers.CharField()


class OnboardingApi(APIView):
    """GET: onboarding state of every Pemda (not_started, in_progress, live, archived). POST: onboard one."""

    permission_classes = [IsHubOperator]

    @extend_schema(parameters=[OnboardingFilter], responses=OnboardingListOutput)
    def get(self, request: Request) -> Response:
        filters = OnboardingFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = pemda_onboarding_list(**filters.validated_data)
        data = {"total": len(rows), "counts": pemda_onboarding_counts(rows=rows), "results": rows}
        return Response(OnboardingListOutput(data).data)

    @extend_schema(request=OnboardInput, responses={201: OnboardResultOutput(many=True)})
    def post(self, request: Request) -> Response:
        data = OnboardInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            results = pemda_onboard(
                code=data.validated_data["code"],
                domains=data.validated_data.get("domains") or None,
                admin_email=data.validated_data["admin_email"],
            )
        except OnboardingError as exc:
            return _error(exc)
        created = any(r.outcome != Outcome.UNCHANGED for r in results)
        return Response(
            OnboardResultOutput(results, many=True).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PemdaStateOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class PemdaArchiveApi(APIView):
    permission_classes = [IsHubOperator]

    @extend_schema(request=None, responses=PemdaStateOutput)
    def post(self, request: Request, code: str) -> Response:
        try:
            pemda = pemda_archive(code=code)
        except OnboardingError as exc:
            return _error(exc)
        return Response(PemdaStateOutput(pemda).data)


class PemdaUnarchiveApi(APIView):
    permission_classes = [IsHubOperator]

    @extend_schema(request=None, responses=PemdaStateOutput)
    def post(self, request: Request, code: str) -> Response:
        try:
            pemda = pemda_unarchive(code=code)
        except OnboardingError as exc:
            return _error(exc)
        return Response(PemdaStateOutput(pemda).data)


class PemdaExportApi(APIView):
    """Download the Pemda as a restorable .tar (registry record + pg_dump of its schema)."""

    permission_classes = [IsHubOperator]

    @extend_schema(responses={(200, "application/x-tar"): bytes})
    def get(self, request: Request, code: str) -> Any:
        directory = Path(tempfile.mkdtemp(prefix="lapor-export-"))
        try:
            path = pemda_export(code=code, directory=directory, requested_by=f"operator hub {request.user}")
        except OnboardingError as exc:
            return _error(exc)
        # The open handle keeps the file readable after unlinking; nothing is left on disk.
        handle = path.open("rb")
        path.unlink()
        directory.rmdir()
        return FileResponse(handle, as_attachment=True, filename=path.name, content_type="application/x-tar")


class DeleteInput(serializers.Serializer):
    confirm = serializers.CharField(max_length=20)


class PemdaDeleteApi(APIView):
    permission_classes = [IsHubOperator]

    @extend_schema(request=DeleteInput, responses={204: None})
    def delete(self, request: Request, code: str) -> Response:
        data = DeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pemda_delete(code=code, confirm=data.validated_data["confirm"])
        except OnboardingError as exc:
            return _error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- referrals: triage and the K/L console ----------------------------------------------------------


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
        rows = hub_referrals_visible_to(access_hub_member(request)).order_by("-created_at")
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
        member = access_hub_member(request)
        data = HubActInput(data=request.data)
        data.is_valid(raise_exception=True)
        hub_ref = access_hub_referral(member=member, referral_id=referral_id)
        hub_ref = hub_referral_act(hub_ref=hub_ref, actor_label=request.user.get_username(), **data.validated_data)
        return Response(HubReferralOutput(hub_ref).data)


class HubRouteInput(serializers.Serializer):
    target_code = serializers.CharField(max_length=40)


class HubReferralRouteApi(APIView):
    """A hub operator routes a referral out of the triage queue."""

    @extend_schema(request=HubRouteInput, responses=HubReferralOutput)
    def post(self, request: Request, referral_id: int) -> Response:
        member = access_hub_member(request, operator_only=True)
        data = HubRouteInput(data=request.data)
        data.is_valid(raise_exception=True)
        hub_ref = access_hub_referral(member=member, referral_id=referral_id)
        hub_ref = hub_referral_route(hub_ref=hub_ref, target_code=data.validated_data["target_code"])
        return Response(HubReferralOutput(hub_ref).data)


# --- sync status (hub operators) ----------------------------------------------------------------------


class SyncStatusApi(APIView):
    """Backlog, oldest undelivered age, lag, failures and dead letters per peer and direction."""

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        access_hub_member(request, operator_only=True)
        return Response(hub_sync_figures())


def metrics_text(metrics: dict[str, Any]) -> str:
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
    for row in metrics["out"]:
        for field, name in gauges.items():
            if row[field] is not None:
                lines.append(f'{name}{{peer="{row["peer"]}",direction="out"}} {row[field]}')
    for row in metrics["in"]:
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
        access_hub_member(request, operator_only=True)
        return HttpResponse(metrics_text(hub_sync_figures()), content_type="text/plain; version=0.0.4")


class MessageIdField(serializers.UUIDField):
    """A message id as the API shows it, a UUID string. DRF's UUIDField also takes an integer
    (and so `true`, an int in Python) as UUID(int=...); the schema fuzz caught `[true]` passing."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class ReplayInput(serializers.Serializer):
    ids = serializers.ListField(child=MessageIdField(), min_length=1, max_length=1000)


class DeadLetterReplayApi(APIView):
    @extend_schema(request=ReplayInput, responses={200: None})
    def post(self, request: Request) -> Response:
        access_hub_member(request, operator_only=True)
        data = ReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"replayed": outbox_replay(message_ids=data.validated_data["ids"])})
