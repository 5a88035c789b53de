"""REST API of the report lifecycle under /api/v1/. Views validate, call one service, render.

Citizens use the public endpoints (tracking ID + the reporter token given at submission);
officers use /api/v1/officer/… with their membership checked by complaints.access.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Unit
from complaints import filers, services
from complaints.access import (
    Action,
    Caller,
    access_report,
    access_report_as_reporter,
    access_report_public,
    access_reports,
    access_unit_for_disposition,
    caller_from_request,
)
from complaints.attachments import attachment_check
from complaints.filters import ReportFilter
from complaints.idempotency import idempotent
from complaints.models import (
    AuditEvent,
    CalendarDayKind,
    Category,
    Channel,
    Privacy,
    Report,
    ReportType,
)
from complaints.referrals.services import referral_return
from complaints.selectors import active_category, report_duplicate_candidates
from lapor.parsers import FormParser, JSONParser, MultiPartParser
from lapor.schema import ErrorOutput
from lapor.serializers import SharedFieldsMixin
from lapor.throttles import INTAKE_THROTTLES

REPORTER_TOKEN_HEADER = "X-Reporter-Token"  # noqa: S105 - a header name, not a secret


def _reporter_token_parameter(required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        REPORTER_TOKEN_HEADER,
        str,
        OpenApiParameter.HEADER,
        required=required,
        description="Token pelapor yang diberikan saat melapor (403 bila tidak cocok).",
    )


_PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
_NIK_RE = re.compile(r"^[0-9]{16}$")


# --- output -------------------------------------------------------------------------------------


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en"]


class FollowUpOutput(serializers.Serializer):
    author = serializers.CharField(source="author_kind")
    text = serializers.CharField()
    is_final = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class PublicReportOutput(serializers.Serializer):
    """What anyone may see of a non-rahasia report: never the reporter."""

    tracking_id = serializers.CharField()
    type = serializers.CharField()
    category = CategoryOutput()
    title = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    followups = FollowUpOutput(many=True)
    merged_into = serializers.CharField(source="merged_into.tracking_id", allow_null=True, default=None)


class ReporterReportOutput(PublicReportOutput):
    privacy = serializers.CharField()
    deferred_question = serializers.CharField()
    autoclose_due_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    can_reopen = serializers.SerializerMethodField()

    def get_can_reopen(self, report: Report) -> bool:
        return services.report_can_reopen(report)


class OfficerReportOutput(serializers.Serializer):
    """An officer's view. The reporter block is absent for anonim reports — for every officer role."""

    id = serializers.IntegerField()
    tracking_id = serializers.CharField()
    type = serializers.CharField()
    category = CategoryOutput()
    title = serializers.CharField()
    original_title = serializers.CharField()
    text = serializers.CharField()
    privacy = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    unit_id = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    address = serializers.CharField()
    kecamatan = serializers.CharField()
    kelurahan = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    verify_due_at = serializers.DateTimeField(allow_null=True)
    response_due_at = serializers.DateTimeField(allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    autoclose_due_at = serializers.DateTimeField(allow_null=True)
    paused_days_left = serializers.IntegerField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    reporter = serializers.SerializerMethodField()

    def get_reporter(self, report: Report) -> dict[str, str] | None:
        if Privacy.is_anonymous(report.privacy):
            return None
        identity = services.reporter_identity(report)
        return {"name": identity.name, "phone": identity.phone, "email": identity.email}


class OfficerReportDetailOutput(OfficerReportOutput):
    followups = FollowUpOutput(many=True)
    attachments = serializers.SerializerMethodField()

    def get_attachments(self, report: Report) -> list[dict[str, Any]]:
        # Served through an authorised view (web.files), never as a bare storage path.
        return [
            {"url": reverse("web-attachment", args=[a.pk]), "content_type": a.content_type, "size": a.size}
            for a in report.attachments.all()
        ]


# --- citizens -----------------------------------------------------------------------------------


class CategoryListApi(ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    serializer_class = CategoryOutput
    pagination_class = None
    queryset = Category.objects.filter(is_active=True)


class ReportSubmitInput(SharedFieldsMixin, serializers.Serializer):
    type = serializers.ChoiceField(choices=ReportType.choices, default=ReportType.PENGADUAN)
    category = serializers.SlugField(max_length=40)
    title = serializers.CharField(min_length=5, max_length=200)
    text = serializers.CharField(min_length=10, max_length=10000)
    privacy = serializers.ChoiceField(choices=Privacy.choices, default=Privacy.ANONIM_RAHASIA)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WEB)
    reporter_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    reporter_phone = serializers.RegexField(_PHONE_RE, required=False, allow_blank=True, default="")
    reporter_email = serializers.EmailField(required=False, allow_blank=True, default="")
    reporter_nik = serializers.RegexField(_NIK_RE, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-11, max_value=6, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=94, max_value=142, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    kecamatan = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kelurahan = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region_code = serializers.RegexField(
        r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$", required=False, allow_blank=True, default=""
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def validate_category(self, value: str) -> Category:
        category = active_category(code=value)
        if category is None:
            raise serializers.ValidationError(_("Kategori %(code)s tidak dikenal.") % {"code": value})
        return category

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("latitude" in attrs) != ("longitude" in attrs):
            raise serializers.ValidationError({"longitude": _("Isi lintang dan bujur bersama-sama.")})
        from django.conf import settings

        if len(attrs["attachments"]) > settings.LAPOR_MAX_ATTACHMENTS:
            raise serializers.ValidationError(
                {"attachments": _("Paling banyak %(n)s lampiran.") % {"n": settings.LAPOR_MAX_ATTACHMENTS}}
            )
        checked = []
        for upload in attrs["attachments"]:
            try:
                checked.append(attachment_check(upload))
            except Exception as exc:  # django ValidationError from the content check
                raise serializers.ValidationError({"attachments": list(getattr(exc, "messages", [str(exc)]))}) from None
        attrs["attachments"] = checked
        return attrs


class SubmitOutput(serializers.Serializer):
    tracking_id = serializers.CharField()
    reporter_token = serializers.CharField(
        help_text="Rahasia pelapor; simpan untuk membalas, menilai, membuka kembali."
    )
    status = serializers.CharField()
    verify_due_at = serializers.DateTimeField()


_DATETIME = serializers.DateTimeField()  # stateless when only rendering


class ReportSubmitApi(APIView):
    """File a report. No login is needed; a signed-in citizen of the mobile app (the token of
    `/api/v1/citizen/token/`) also finds it under `/api/v1/me/reports/`."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = list(INTAKE_THROTTLES)

    def get_authenticators(self) -> list[Any]:
        # Only the account apps' token schemes (complaints.filers), never an officer's session or
        # password: this view takes the short middleware chain (lapor.lanes), without sessions.
        return [authentication() for authentication in filers.authentications]

    @extend_schema(request=ReportSubmitInput, responses={201: SubmitOutput})
    @idempotent
    def post(self, request: Request) -> Response:
        data = ReportSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = request.user if request.user.is_authenticated else None
        # With an account, the report and its link to the account commit together.
        with transaction.atomic() if account is not None else nullcontext():
            submission = self._submit(data.validated_data)
            if account is not None:
                filers.report_filed_by(user=account, report=submission.report)
        report = submission.report
        # Shaped as SubmitOutput (which documents it); built directly, as this is the hot path.
        body = {
            "tracking_id": report.tracking_id,
            "reporter_token": submission.reporter_token,
            "status": report.status,
            "verify_due_at": _DATETIME.to_representation(report.verify_due_at),  # type: ignore[arg-type]
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @staticmethod
    def _submit(v: dict[str, Any]) -> services.Submission:
        return services.report_submit(
            type=v["type"],
            category=v["category"],
            title=v["title"],
            text=v["text"],
            privacy=v["privacy"],
            channel=v["channel"],
            language=(get_language() or "id")[:2],
            reporter=services.ReporterIdentity(
                name=v["reporter_name"], phone=v["reporter_phone"], email=v["reporter_email"], nik=v["reporter_nik"]
            ),
            location={
                k: v[k] for k in ("latitude", "longitude", "address", "kecamatan", "kelurahan", "region_code") if k in v
            },
            attachments=v["attachments"],
        )


class SimilarQuery(serializers.Serializer):
    category = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class SimilarReportsApi(APIView):
    """While a citizen writes: similar public reports in the same category (to join instead of repeat)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=True),
            OpenApiParameter("title", str, required=True),
            OpenApiParameter("text", str),
        ],
        responses=PublicReportOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        query = SimilarQuery(data=request.query_params)
        if not query.is_valid():  # e.g. a NUL byte, which PostgreSQL text cannot hold (a 500 before)
            return Response([])  # suggestions only: nothing similar to what cannot be a report
        category = Category.objects.filter(code=query.validated_data["category"]).first()
        title = query.validated_data["title"].strip()
        if category is None or len(title) < 5:
            return Response([])
        from django.utils import timezone

        probe = Report(
            pk=None,
            category=category,
            title=title,
            text=query.validated_data["text"],
            submitted_at=timezone.now(),
        )
        similar = [
            r for r in report_duplicate_candidates(report=probe, limit=10) if not Privacy.is_confidential(r.privacy)
        ]
        return Response(PublicReportOutput(similar[:5], many=True).data)


def _reporter_report(request: Request, tracking_id: str, for_update: bool = False) -> Report:
    return access_report_as_reporter(
        tracking_id=tracking_id, token=request.headers.get(REPORTER_TOKEN_HEADER), for_update=for_update
    )


class ReportTrackApi(APIView):
    """Follow a report by its tracking ID: the reporter (with token) sees everything of theirs."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[_reporter_token_parameter(required=False)],
        responses={
            200: OpenApiResponse(
                PublicReportOutput,
                description="Tanpa X-Reporter-Token: tampilan publik. Dengan token pelapor juga privacy, "
                "deferred_question, autoclose_due_at, rating dan can_reopen (ReporterReportOutput).",
            ),
            403: ErrorOutput,
        },
    )
    def get(self, request: Request, tracking_id: str) -> Response:
        if request.headers.get(REPORTER_TOKEN_HEADER):
            return Response(ReporterReportOutput(_reporter_report(request, tracking_id)).data)
        return Response(PublicReportOutput(access_report_public(tracking_id=tracking_id)).data)


class TextInput(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class ReporterReplyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=TextInput,
        responses={201: FollowUpOutput, 403: ErrorOutput},
        parameters=[_reporter_token_parameter(True)],
    )
    @idempotent
    def post(self, request: Request, tracking_id: str) -> Response:
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            report = _reporter_report(request, tracking_id, for_update=True)
            followup = services.reporter_reply(report=report, text=data.validated_data["text"])
        return Response(FollowUpOutput(followup).data, status=status.HTTP_201_CREATED)


class RatingInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReporterRateApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=RatingInput,
        responses={200: ReporterReportOutput, 403: ErrorOutput},
        parameters=[_reporter_token_parameter(True)],
    )
    @idempotent
    def post(self, request: Request, tracking_id: str) -> Response:
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            report = _reporter_report(request, tracking_id, for_update=True)
            services.report_rate(report=report, **data.validated_data)
        return Response(ReporterReportOutput(report).data)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReporterReopenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=ReasonInput,
        responses={200: ReporterReportOutput, 403: ErrorOutput},
        parameters=[_reporter_token_parameter(True)],
    )
    @idempotent
    def post(self, request: Request, tracking_id: str) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            report = _reporter_report(request, tracking_id, for_update=True)
            services.report_reopen(report=report, reason=data.validated_data["reason"])
        return Response(ReporterReportOutput(report).data)


# --- officers -----------------------------------------------------------------------------------


class OfficerReportListApi(ListAPIView):
    serializer_class = OfficerReportOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter

    def get_queryset(self) -> Any:
        return access_reports(caller=caller_from_request(self.request)).order_by("-submitted_at")


class OfficerReportDetailApi(APIView):
    @extend_schema(responses=OfficerReportDetailOutput)
    def get(self, request: Request, report_id: int) -> Response:
        report = access_report(caller=caller_from_request(request), report_id=report_id, action=Action.VIEW)
        return Response(OfficerReportDetailOutput(report).data)


class _OfficerAction(APIView):
    """Shared shape: lock the report through access_*, call one service, answer with the report."""

    required_action: Action

    def _locked(self, request: Request, report_id: int) -> tuple[Caller, Report]:
        caller = caller_from_request(request)
        return caller, access_report(caller=caller, report_id=report_id, action=self.required_action, for_update=True)

    def _respond(self, report: Report, code: int = status.HTTP_200_OK) -> Response:
        report.refresh_from_db()
        return Response(OfficerReportDetailOutput(report).data, status=code)


class VerifyInput(serializers.Serializer):
    unit_id = serializers.IntegerField()
    title = serializers.CharField(min_length=5, max_length=200, required=False)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True), required=False
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportVerifyApi(_OfficerAction):
    required_action = Action.VERIFY

    @extend_schema(request=VerifyInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            unit = access_unit_for_disposition(caller=caller, unit_id=v["unit_id"])
            services.report_verify(
                report=report,
                actor=caller.actor,
                unit=unit,
                title=v.get("title"),
                category=v.get("category"),
                note=v["note"],
            )
        return self._respond(report)


class DeferInput(serializers.Serializer):
    question = serializers.CharField(max_length=2000)


class ReportDeferApi(_OfficerAction):
    required_action = Action.VERIFY

    @extend_schema(request=DeferInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = DeferInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            services.report_defer(report=report, actor=caller.actor, question=data.validated_data["question"])
        return self._respond(report)


class ReferInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    target_code = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    target_hint = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReportReferApi(_OfficerAction):
    required_action = Action.VERIFY

    @extend_schema(request=ReferInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = ReferInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            services.report_refer(report=report, actor=caller.actor, **data.validated_data)
        return self._respond(report)


class ReportArchiveApi(_OfficerAction):
    required_action = Action.VERIFY

    @extend_schema(request=ReasonInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            services.report_archive(report=report, actor=caller.actor, reason=data.validated_data["reason"])
        return self._respond(report)


class DisposeInput(serializers.Serializer):
    unit_id = serializers.IntegerField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportDisposeApi(_OfficerAction):
    required_action = Action.DISPOSE

    @extend_schema(request=DisposeInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = DisposeInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            unit = access_unit_for_disposition(caller=caller, unit_id=data.validated_data["unit_id"])
            services.report_dispose(report=report, actor=caller.actor, unit=unit, note=data.validated_data["note"])
        return self._respond(report)


class FollowUpInput(serializers.Serializer):
    text = serializers.CharField(max_length=10000)
    final = serializers.BooleanField(default=False)


class ReportFollowUpApi(_OfficerAction):
    required_action = Action.ANSWER

    @extend_schema(request=FollowUpInput, responses={201: OfficerReportDetailOutput})
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = FollowUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            services.followup_create(
                report=report, actor=caller.actor, text=data.validated_data["text"], final=data.validated_data["final"]
            )
        return self._respond(report, status.HTTP_201_CREATED)


class IdentityOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    nik = serializers.CharField()


class ReportRevealIdentityApi(_OfficerAction):
    """Only the verifikator may see an anonim reporter's identity; the reveal is audited."""

    required_action = Action.REVEAL

    @extend_schema(request=ReasonInput, responses=IdentityOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, report = self._locked(request, report_id)
            identity = services.identity_reveal(report=report, actor=caller.actor, reason=data.validated_data["reason"])
        return Response(IdentityOutput(identity).data)


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
            referral_return(report=report, actor=caller.actor, reason=data.validated_data["reason"])
        return self._respond(report)


class MergeInput(serializers.Serializer):
    into_id = serializers.IntegerField()


class ReportMergeApi(_OfficerAction):
    required_action = Action.VERIFY

    @extend_schema(request=MergeInput, responses=OfficerReportDetailOutput)
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            caller, duplicate = self._locked(request, report_id)
            into = access_report(caller=caller, report_id=data.validated_data["into_id"], action=Action.VERIFY)
            services.report_merge(duplicate=duplicate, into=into, actor=caller.actor)
        return self._respond(duplicate)


class ReportDuplicatesApi(APIView):
    """The verifikator's queue: likely duplicates of this report."""

    @extend_schema(responses=OfficerReportOutput(many=True))
    def get(self, request: Request, report_id: int) -> Response:
        caller = caller_from_request(request)
        report = access_report(caller=caller, report_id=report_id, action=Action.VIEW)
        visible = set(access_reports(caller=caller).values_list("pk", flat=True)[:10000])
        candidates = [r for r in report_duplicate_candidates(report=report) if r.pk in visible]
        return Response(OfficerReportOutput(candidates, many=True).data)


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor_user_id", "actor_label", "report_id", "action", "data", "hash"]


class ReportAuditApi(APIView):
    @extend_schema(responses=AuditEventOutput(many=True))
    def get(self, request: Request, report_id: int) -> Response:
        access_report(caller=caller_from_request(request), report_id=report_id, action=Action.AUDIT)
        events = AuditEvent.objects.filter(report_id=report_id).order_by("id")
        return Response(AuditEventOutput(events, many=True).data)


class UnitOutput(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "parent_id"]


class UnitListApi(ListAPIView):
    serializer_class = UnitOutput
    pagination_class = None
    queryset = Unit.objects.filter(is_active=True).order_by("path")


class CalendarDayInput(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDayKind.choices)
    name = serializers.CharField(max_length=120)


class CalendarApi(APIView):
    """This Pemda's own holidays, cuti bersama and substitute working days (tenant admin)."""

    @extend_schema(responses=CalendarDayInput(many=True))
    def get(self, request: Request) -> Response:
        from complaints.models import CalendarDay

        return Response(CalendarDayInput(CalendarDay.objects.all(), many=True).data)

    @extend_schema(request=CalendarDayInput, responses={201: CalendarDayInput})
    @idempotent
    def post(self, request: Request) -> Response:
        caller = caller_from_request(request)
        if not any(m.role == "tenant_admin" for m in caller.memberships):
            raise PermissionDenied(_("Hanya admin Pemda yang dapat mengubah kalender kerja."))
        data = CalendarDayInput(data=request.data)
        data.is_valid(raise_exception=True)
        day = services.calendar_day_set(actor=caller.actor, **data.validated_data)
        return Response(CalendarDayInput(day).data, status=status.HTTP_201_CREATED)
