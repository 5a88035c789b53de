"""The hub's public audit checkpoints: its key and every Pemda's signed chain heads (JSON)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from national_hub.checkpoints import checkpoints_overview, checkpoints_published, key_document


@require_GET
def audit_key(request: HttpRequest) -> HttpResponse:
    return JsonResponse(key_document())


@require_GET
def audit_checkpoints(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"key": key_document(), "pemda": checkpoints_overview()})


@require_GET
def audit_checkpoints_of(request: HttpRequest, code: str) -> HttpResponse:
    """One Pemda's checkpoints, newest first (an unknown code has none)."""
    return JsonResponse(checkpoints_published(code[:40]))
