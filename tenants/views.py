"""Views of the tenant registry that any host can reach."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def unknown_host(request: HttpRequest) -> HttpResponse:
    """404 for a host that belongs to no Pemda: a clear page, never the hub's content."""
    body = render_to_string("tenants/unknown_host.html", {"host": request.get_host().split(":")[0]})
    return HttpResponse(body, status=404)
