"""Hub API for onboarding: list the state of all 552 Pemda, onboard one, archive, export, delete.

Views validate with a small input serializer, call one service and render; rules live in
tenants.services / tenants.offboarding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from national_hub.permissions import IsHubOperator
from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_unarchive
from tenants.selectors import OnboardingState, pemda_onboarding_counts, pemda_onboarding_list
from tenants.services import OnboardingError, Outcome, pemda_onboard


def _error(exc: OnboardingError) -> Response:
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
            path = pemda_export(code=code, directory=directory)
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
