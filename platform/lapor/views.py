"""Pages of a Pemda host."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Unit


def tenant_home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("name")
    return render(request, "lapor/tenant_home.html", {"pemda": connection.tenant, "units": units})
