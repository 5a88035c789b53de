"""Reading a page's form through the API's own input serializers, so a rule has one home.

The pages render their fields by hand (GOV.UK's patterns: a hint and an error tied to each field,
an error summary linking to them); these helpers turn a serializer's or a service's errors into
{field: [message]} in the visitor's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from rest_framework import serializers

from lapor.errors import AccessDenied, InvalidTransition

Errors = dict[str, list[str]]


def flat_errors(detail: Any, prefix: str = "") -> Errors:
    """DRF's nested error detail as {field: [messages]} ("non_field_errors" for the form itself)."""
    if isinstance(detail, dict):
        out: Errors = {}
        for key, value in detail.items():
            for field, messages in flat_errors(value, prefix or str(key)).items():
                out.setdefault(field, []).extend(messages)
        return out
    if isinstance(detail, list):
        found: list[str] = []
        for item in detail:
            if isinstance(item, dict | list):
                for field, nested in flat_errors(item, prefix).items():
                    if field == prefix:
                        found += nested
            else:
                found.append(str(item))
        return {prefix or "non_field_errors": found}
    return {prefix or "non_field_errors": [str(detail)]}


def validated(serializer: serializers.Serializer[Any]) -> tuple[dict[str, Any] | None, Errors]:
    """(validated data, {}) or (None, errors)."""
    if serializer.is_valid():
        return dict(serializer.validated_data), {}
    return None, flat_errors(serializer.errors)


def service_errors(exc: Exception) -> Errors:
    """What a service refused, as form errors: field errors, a wrong state or a forbidden act."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return {"non_field_errors": [str(m) for m in exc.messages]}
    if isinstance(exc, InvalidTransition | AccessDenied):
        return {"non_field_errors": [exc.message]}
    raise exc


def form_data(request: HttpRequest, *fields: str) -> dict[str, str]:
    """The posted values of `fields` (stripped), for the serializer and for re-rendering the form."""
    return {name: request.POST.get(name, "").strip() for name in fields}
