"""Hub pages reachable on the hub's own host."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Pemda, PemdaKind, PemdaStatus


def hub_home(request: HttpRequest) -> HttpResponse:
    pemda = (
        Pemda.objects.exclude(kind=PemdaKind.HUB)
        .filter(status=PemdaStatus.LIVE)
        .prefetch_related("domains")
        .order_by("code")
    )
    return render(request, "national_hub/home.html", {"pemda_list": pemda})
