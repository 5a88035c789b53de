"""API views about the caller's own account in the current tenant."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.lockout import lockout_response
from accounts.selectors import memberships_for
from accounts.services import login_link_consume


def _tenant(request: Any) -> Any:
    """The Pemda of this host, as the tenant middleware found it (the hub on the hub's host)."""
    return request.tenant


class MembershipOutput(serializers.Serializer):
    role = serializers.CharField()
    unit_id = serializers.IntegerField(allow_null=True)


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    tenant_code = serializers.CharField()
    tenant_name = serializers.CharField()
    memberships = MembershipOutput(many=True)


class MeApi(APIView):
    """Who am I here: the caller's roles in the tenant of this host (403 when not a member)."""

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        tenant = _tenant(request)
        data = {
            "username": request.user.get_username(),
            "tenant_code": tenant.code,
            "tenant_name": tenant.name,
            "memberships": [
                {"role": m.role, "unit_id": m.unit_id} for m in getattr(request._request, "memberships", [])
            ],
        }
        return Response(MeOutput(data).data)


class LoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Kode verifikasi: 6 angka dari aplikasi autentikator, atau satu kode pemulihan (wajib bagi petugas).",
    )


class LoginApi(APIView):
    """Open a session on this host. Only members of this host's Pemda (or of the hub) may log in.

    Staff also send `otp` (accounts.two_factor): without it, or with a wrong one, 400 with `code`
    `otp_required`, `otp_invalid` or `otp_enrolment_required` (no authenticator yet: enrol at /masuk/).
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginInput, responses=MeOutput)
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not memberships_for(user=user, tenant=_tenant(request)):
            # One message for both cases: do not tell a stranger which usernames exist here.
            return Response(
                {"detail": _("Nama pengguna atau kata sandi salah, atau Anda bukan anggota Pemda ini.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if two_factor.required_for(user):
            refused = self._second_factor(request, user, data.validated_data.get("otp", ""))
            if refused is not None:
                return refused
        else:
            login(request._request, user)
        request._request.memberships = memberships_for(user=user, tenant=_tenant(request))  # type: ignore[attr-defined]
        return MeApi().get(request)

    @staticmethod
    def _second_factor(request: Request, user: Any, code: str) -> Response | None:
        """Staff: the password is not enough; the `otp` code logs in (and marks the session verified)."""
        django_request = request._request
        if not two_factor.has_device(user):
            return Response(
                {
                    "detail": _(
                        "Verifikasi dua langkah belum aktif untuk akun ini. Masuk sekali lewat halaman /masuk/ "
                        "untuk mengaktifkannya, lalu coba lagi."
                    ),
                    "code": "otp_enrolment_required",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not code.strip():
            return Response(
                {"otp": [_("Masukkan kode verifikasi dari aplikasi autentikator Anda.")], "code": "otp_required"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if two_factor.locked_out(django_request, user):
            return lockout_response(django_request, credentials={"username": user.get_username()})  # type: ignore[return-value]
        device = two_factor.check_code(django_request, user, code)
        if device is None:
            return Response(
                {"otp": [_("Kode verifikasi salah atau sudah dipakai.")], "code": "otp_invalid"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        login(django_request, user)
        otp_login(django_request, device)
        return None


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """One-time sign-in: GET shows a button, POST consumes the link and opens a session on this host.

    GET never consumes the link: mail scanners and chat previews open links, and must not burn them.
    """
    tenant = _tenant(request)
    if request.method == "POST":
        user = login_link_consume(token=token, tenant=tenant)
        if user is not None:
            # Staff pass the second factor (or enrol) next; a first sign-in (invitation, new Pemda)
            # then chooses a password (accounts.two_factor.finish).
            next_url = "/konsol/sandi/" if not user.has_usable_password() else "/konsol/"
            return redirect(
                two_factor.start(request, user, next_url=next_url, backend="django.contrib.auth.backends.ModelBackend")
            )
        return render(request, "accounts/login_link.html", {"pemda": tenant, "invalid": True}, status=410)
    return render(request, "accounts/login_link.html", {"pemda": tenant, "invalid": False})
