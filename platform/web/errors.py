"""The server-error page, in the visitor's language, rendered without touching the database."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader
from django.utils.translation import get_language


def server_error(request: HttpRequest) -> HttpResponseServerError:
    html = loader.get_template("500.html").render({"LANGUAGE_CODE": get_language() or "id"})
    return HttpResponseServerError(html)
