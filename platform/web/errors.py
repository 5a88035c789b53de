"""Error answers: the server-error page in the visitor's language, rendered without touching the
database, and the 400 answer (JSON on machine routes)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET


def server_error(request: HttpRequest) -> HttpResponseServerError:
    html = loader.get_template("500.html").render({"LANGUAGE_CODE": get_language() or "id"})
    return HttpResponseServerError(html)


MACHINE_ROUTES = ("/api/", "/open311/", "/channels/", "/sync/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """No route matched (e.g. `/api/v1/officer/reports/abc/`): API clients get the API's JSON 404."""
    if request.path.startswith(MACHINE_ROUTES):
        return JsonResponse({"detail": str(_("Tidak ditemukan.")), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refused before any view (a body over the limit, a suspicious header).

    API clients get the API's JSON error body; people get the 400 page.
    """
    if request.path.startswith(MACHINE_ROUTES):
        too_big = isinstance(exception, RequestDataTooBig)
        detail = _("Isi permintaan terlalu besar.") if too_big else _("Permintaan tidak dapat diproses.")
        return JsonResponse({"detail": str(detail)}, status=413 if too_big else 400)
    return defaults.bad_request(request, exception)


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """/.well-known/security.txt (RFC 9116) on every host, from LAPOR_SECURITY_CONTACT."""
    contact = settings.LAPOR_SECURITY_CONTACT
    if not contact:
        raise Http404
    expires = (timezone.now() + timedelta(days=180)).strftime("%Y-%m-%dT00:00:00Z")
    lines = [f"Contact: {contact}", f"Expires: {expires}", "Preferred-Languages: id, en"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
