"""The home page of a Pemda host: its name and its SKPD."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Unit


def tenant_home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("name")
    return render(request, "lapor/tenant_home.html", {"pemda": request.tenant, "units": units})  # type: ignore[attr-defined]
