"""What a locked-out login sees (django-axes counts the failures; this only words the answer).

Five wrong passwords for one username from one client address lock that pair out for a cool-off
period (settings: LAPOR_LOGIN_FAILURE_LIMIT, LAPOR_LOGIN_LOCKOUT_MINUTES). The API answers its
JSON error, a page answers the login form again with the reason; both 429 with Retry-After.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600
    message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)s menit.") % {
        "n": math.ceil(seconds / 60)
    }
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        username = str((credentials or {}).get("username", ""))[:150]
        context = {"nav": "masuk", "errors": {"non_field_errors": [message]}, "values": {"username": username}}
        response = render(request, "web/masuk.html", {**context, "next": "/konsol/"}, status=429)
    response["Retry-After"] = str(seconds)
    return response
