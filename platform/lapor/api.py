"""API conventions shared by every endpoint: error mapping and field-level messages."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ParseError, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lapor.errors import AccessDenied, InvalidTransition, RateLimited
from lapor.parsers import PayloadTooLarge


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become 4xx with the reason: never a 500 for bad input, a wrong state or a limit."""
    if isinstance(exc, InvalidTransition):
        return Response({"detail": exc.message, "code": "invalid_state"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RateLimited):
        response = Response({"detail": exc.message, "code": "rate_limited"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, AccessDenied):
        return Response({"detail": exc.message, "code": "forbidden"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Throttled):
        seconds = math.ceil(getattr(exc, "wait", None) or 1)
        message = _("Terlalu banyak permintaan. Coba lagi dalam %(n)s detik.") % {"n": seconds}
        return Response(
            {"detail": message, "code": "throttled"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(seconds)},
        )
    if isinstance(exc, RequestDataTooBig):  # read outside a parser (request.body): the same JSON answer
        exc = PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        exc = ParseError(_("Terlalu banyak isian."))
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
