"""The mobile app's citizen API, on every Pemda host and the hub (`/api/v1/citizen/…`, `/api/v1/me/reports/…`).

Views validate, call one service or access helper, render. Sign-in needs no token; everything
else takes the citizen's token (`Authorization: Token …`) and nothing else: an officer's session
or password opens none of these routes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from citizens import services
from citizens.access import access_my_link, access_pemda, my_report
from citizens.authentication import CitizenTokenAuthentication
from citizens.contacts import Contact, email_contact, phone_contact
from citizens.models import Citizen
from citizens.selectors import PAGE_SIZE, MyReport, my_reports_with_status
from complaints import services as report_services
from complaints.access import access_report_as_reporter
from complaints.apis import FollowUpOutput, RatingInput, ReasonInput, ReporterReportOutput, TextInput
from complaints.idempotency import client_address, idempotent
from complaints.models import Status
from lapor.crypto import decrypt
from lapor.schema import ErrorOutput

# --- signing in ---------------------------------------------------------------------------------


class ContactInput(serializers.Serializer):
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="Nomor ponsel Indonesia, mis. 0812…"
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        phone, email = attrs["phone"].strip(), attrs["email"].strip()
        if bool(phone) == bool(email):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Isi salah satu: nomor ponsel atau alamat surel.")]}
            )
        try:
            attrs["contact"] = phone_contact(phone) if phone else email_contact(email)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


class CodeOutput(serializers.Serializer):
    detail = serializers.CharField()
    sent_to = serializers.CharField(help_text="Alamat tujuan, disamarkan.")
    expires_in = serializers.IntegerField(help_text="Detik sampai kode kedaluwarsa.")


class CitizenCodeApi(APIView):
    """Send a one-time sign-in code by SMS (phone) or e-mail. The same answer whether or not an
    account exists: the first correct code for a new address creates the account."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=ContactInput, responses={202: CodeOutput, 400: None, 429: None, 503: None})
    def post(self, request: Request) -> Response:
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact: Contact = data.validated_data["contact"]
        try:
            services.citizen_code_request(contact=contact, client_address=client_address(request))
        except services.CodeNotSent:
            return Response(
                {"detail": _("Kode belum dapat dikirim. Coba lagi beberapa saat lagi.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        body = {
            "detail": _("Kode masuk dikirim ke %(to)s.") % {"to": contact.masked},
            "sent_to": contact.masked,
            "expires_in": settings.LAPOR_CITIZEN_CODE_MINUTES * 60,
        }
        return Response(CodeOutput(body).data, status=status.HTTP_202_ACCEPTED)


class SignInInput(ContactInput):
    code = serializers.RegexField(
        r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": gettext_lazy("Kode terdiri dari 6 angka.")},
        help_text="Kode 6 angka.",
    )


class AccountOutput(serializers.Serializer):
    phone = serializers.CharField(help_text="Disamarkan.")
    email = serializers.CharField(help_text="Disamarkan.")
    created_at = serializers.DateTimeField()


def _account(citizen: Citizen) -> dict[str, Any]:
    phone, email = decrypt(citizen.phone), decrypt(citizen.email)
    return {
        "phone": phone_contact(phone).masked if phone else "",
        "email": email_contact(email).masked if email else "",
        "created_at": citizen.created_at,
    }


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Kirim sebagai `Authorization: Token <token>`; hanya ditampilkan sekali.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="Diperpanjang setiap kali token dipakai.")
    created = serializers.BooleanField(help_text="true: akun baru saja dibuat (pendaftaran).")
    account = AccountOutput()


class CitizenTokenApi(APIView):
    """Check the code; a right one gives the app its token (and creates the account the first time)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=SignInInput, responses={200: TokenOutput, 400: None, 429: None})
    def post(self, request: Request) -> Response:
        data = SignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        signed_in = services.citizen_sign_in(
            contact=data.validated_data["contact"],
            code=data.validated_data["code"],
            client_address=client_address(request),
        )
        body = {
            "token": signed_in.token,
            "expiry": signed_in.expiry,
            "created": signed_in.created,
            "account": _account(signed_in.citizen),
        }
        return Response(TokenOutput(body).data)


# --- signed in ----------------------------------------------------------------------------------


class IsCitizen(BasePermission):
    message = gettext_lazy("Masuk dengan akun warga terlebih dahulu.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and hasattr(request.user, "citizen"))


class _CitizenApi(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @staticmethod
    def citizen(request: Request) -> Citizen:
        return request.user.citizen  # type: ignore[union-attr]


class CitizenProfileApi(_CitizenApi):
    """The account: its phone and e-mail, masked. DELETE closes it (tokens and report links go;
    the reports stay with their Pemda)."""

    @extend_schema(responses=AccountOutput)
    def get(self, request: Request) -> Response:
        return Response(AccountOutput(_account(self.citizen(request))).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        services.citizen_delete(citizen=self.citizen(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CitizenContactApi(_CitizenApi):
    """Add the other address to the account (a phone beside the e-mail, or the reverse) or change one:
    first ask a code for it at citizen/code/, then send the code here. The account keeps its reports."""

    @extend_schema(request=SignInInput, responses={200: AccountOutput, 400: None, 429: None})
    def post(self, request: Request) -> Response:
        data = SignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        citizen = services.citizen_contact_add(
            citizen=self.citizen(request),
            contact=data.validated_data["contact"],
            code=data.validated_data["code"],
            client_address=client_address(request),
        )
        return Response(AccountOutput(_account(citizen)).data)


class CitizenLogoutApi(_CitizenApi):
    """Revoke this device's token."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        services.citizen_sign_out(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CitizenLogoutAllApi(_CitizenApi):
    """Revoke every token of the account (every device)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        services.citizen_sign_out_everywhere(citizen=self.citizen(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- my reports ---------------------------------------------------------------------------------


class PemdaOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MyReportOutput(serializers.Serializer):
    tracking_id = serializers.CharField(source="link.tracking_id")
    pemda = PemdaOutput(source="link.tenant")
    title = serializers.CharField(source="report.title", default="")
    category = serializers.CharField(source="report.category.label", default="")
    privacy = serializers.CharField(source="report.privacy", default="")
    status = serializers.CharField(source="report.status", default="")
    status_label = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(source="link.created_at")
    last_update_at = serializers.DateTimeField()

    def get_status_label(self, item: MyReport) -> str:
        return str(Status(item.report.status).label) if item.report is not None else _("Tidak dapat dibaca saat ini")


class MyReportPagination(CursorPagination):
    page_size = PAGE_SIZE
    ordering = ("-created_at", "-id")


class ClaimInput(serializers.Serializer):
    tracking_id = serializers.CharField(max_length=20)
    reporter_token = serializers.CharField(max_length=100, help_text="Token pelapor yang diberikan saat melapor.")
    pemda = serializers.CharField(
        max_length=5, required=False, allow_blank=True, default="", help_text="Kode Kemendagri; bawaan: Pemda host ini."
    )


class MyReportListApi(_CitizenApi):
    """My reports in every Pemda, newest first, with each one's status as its Pemda holds it now.
    POST adds a report filed before signing in, proven by its tracking ID and reporter token."""

    @extend_schema(
        responses={
            200: inline_serializer(
                name="MyReportPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": MyReportOutput(many=True),
                },
            ),
            404: ErrorOutput,  # a cursor that is not one of ours
        },
        parameters=[OpenApiParameter("cursor", str)],
    )
    def get(self, request: Request) -> Response:
        links = self.citizen(request).reports.select_related("tenant")
        paginator = MyReportPagination()
        page = paginator.paginate_queryset(links, request, view=self) or []
        items = my_reports_with_status(links=list(page))
        return paginator.get_paginated_response(MyReportOutput(items, many=True).data)

    @extend_schema(request=ClaimInput, responses={200: MyReportOutput, 201: MyReportOutput})
    def post(self, request: Request) -> Response:
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        pemda = access_pemda(code=data.validated_data["pemda"], host_tenant=request.tenant)  # type: ignore[attr-defined]
        with tenant_context(pemda):
            report = access_report_as_reporter(
                tracking_id=data.validated_data["tracking_id"], token=data.validated_data["reporter_token"]
            )
            link, created = services.citizen_report_claim(citizen=self.citizen(request), report=report)
        (item,) = my_reports_with_status(links=[link])
        return Response(MyReportOutput(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MyReportDetailOutput(ReporterReportOutput):
    pemda = serializers.SerializerMethodField()

    def get_pemda(self, _report: Any) -> dict[str, str]:
        tenant = self.context["tenant"]
        return {"code": tenant.code, "name": tenant.name}


_PEMDA = OpenApiParameter(
    "pemda", str, description="Kode Kemendagri Pemda, hanya bila nomor yang sama ada di dua Pemda."
)


class MyReportApi(_CitizenApi):
    """One of my reports, everything the reporter sees, without the per-report token."""

    @extend_schema(responses=MyReportDetailOutput, parameters=[_PEMDA])
    def get(self, request: Request, tracking_id: str) -> Response:
        link = access_my_link(
            citizen=self.citizen(request), tracking_id=tracking_id, pemda=request.query_params.get("pemda", "")
        )
        with my_report(link=link) as report:
            return Response(MyReportDetailOutput(report, context={"tenant": link.tenant}).data)


class _MyReportAction(_CitizenApi):
    """Act on one of my reports as its reporter: in its Pemda's schema, with Idempotency-Key kept there."""

    def post(self, request: Request, tracking_id: str) -> Response:
        link = access_my_link(
            citizen=self.citizen(request), tracking_id=tracking_id, pemda=request.query_params.get("pemda", "")
        )
        with tenant_context(link.tenant):
            return self._idempotent_act(request, link=link)

    @idempotent
    def _idempotent_act(self, request: Request, *, link: Any) -> Response:
        return self.act(request, link=link)

    def act(self, request: Request, *, link: Any) -> Response:
        raise NotImplementedError


class MyReportReplyApi(_MyReportAction):
    """Write to the officers of my report (answers a tunda, adds information, or disputes an answer)."""

    @extend_schema(request=TextInput, responses={201: FollowUpOutput}, parameters=[_PEMDA])
    def post(self, request: Request, tracking_id: str) -> Response:
        return super().post(request, tracking_id)

    def act(self, request: Request, *, link: Any) -> Response:
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        with my_report(link=link, for_update=True) as report:
            followup = report_services.reporter_reply(report=report, text=data.validated_data["text"])
        return Response(FollowUpOutput(followup).data, status=status.HTTP_201_CREATED)


class MyReportRateApi(_MyReportAction):
    """Rate the answer to my report (1-5); rating an answered report closes it."""

    @extend_schema(request=RatingInput, responses=MyReportDetailOutput, parameters=[_PEMDA])
    def post(self, request: Request, tracking_id: str) -> Response:
        return super().post(request, tracking_id)

    def act(self, request: Request, *, link: Any) -> Response:
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        with my_report(link=link, for_update=True) as report:
            report_services.report_rate(report=report, **data.validated_data)
        with my_report(link=link) as report:
            return Response(MyReportDetailOutput(report, context={"tenant": link.tenant}).data)


class MyReportReopenApi(_MyReportAction):
    """Reopen my answered report within the 10 working days after the answer."""

    @extend_schema(request=ReasonInput, responses=MyReportDetailOutput, parameters=[_PEMDA])
    def post(self, request: Request, tracking_id: str) -> Response:
        return super().post(request, tracking_id)

    def act(self, request: Request, *, link: Any) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        with my_report(link=link, for_update=True) as report:
            report_services.report_reopen(report=report, reason=data.validated_data["reason"])
        with my_report(link=link) as report:
            return Response(MyReportDetailOutput(report, context={"tenant": link.tenant}).data)
