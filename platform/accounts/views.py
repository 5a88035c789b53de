"""API views about the caller's own account in the current tenant."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


class LoginApi(APIView):
    """Open a session on this host. Only members of this host's Pemda (or of the hub) may log in."""

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
        login(request._request, user)
        request._request.memberships = memberships_for(user=user, tenant=_tenant(request))  # type: ignore[attr-defined]
        return MeApi().get(request)


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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # A first sign-in (invitation, new Pemda) chooses a password next.
            return redirect("/konsol/sandi/" if not user.has_usable_password() else "/konsol/")
        return render(request, "accounts/login_link.html", {"pemda": tenant, "invalid": True}, status=410)
    return render(request, "accounts/login_link.html", {"pemda": tenant, "invalid": False})
