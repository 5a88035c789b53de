"""API conventions shared by every endpoint: error mapping and field-level messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lapor.errors import AccessDenied, InvalidTransition, RateLimited


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
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
