"""The OpenAPI schema documents the error answers every API view can give, not only its success.

drf-spectacular describes the success response of each operation; the 4xx answers come from
conventions shared by every view (lapor.api's exception handler, DRF's authentication, parsers
and throttles, the idempotency decorator), so they are added here once, from what the view is
made of, rather than repeated in every `@extend_schema`. An operation's own `responses` still
win for a code it names. tests/trust/test_fuzz_schema.py holds every answer to the schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(help_text="Alasan penolakan, dalam bahasa permintaan."),
        "code": serializers.CharField(required=False, help_text="Kode mesin, mis. invalid_state, throttled."),
    },
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def idempotent_view(method: Any) -> bool:
    return bool(getattr(method, "lapor_idempotent", False))


class LaporAutoSchema(AutoSchema):
    def _handler(self) -> Any:
        return getattr(self.view, self.method.lower(), None)

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if idempotent_view(self._handler()):
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="Kunci pengulangan (1-128 karakter): permintaan yang sama dengan kunci yang sama "
                    "tidak diproses dua kali; jawabannya diulang.",
                )
            )
        return parameters

    def _error_codes(self, operation: dict[str, Any]) -> dict[str, Any]:
        view = self.view
        unsafe = self.method in UNSAFE
        authenticators = list(getattr(view, "authentication_classes", []) or [])
        permissions = list(getattr(view, "permission_classes", []) or [])
        protected = any(not issubclass(p, AllowAny) for p in permissions)
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        codes: dict[str, Any] = {}
        if unsafe or has_query:
            codes["400"] = OpenApiTypes.OBJECT  # field errors: {"field": ["message", ...]} or {"detail": ...}
        if authenticators:
            codes["401"] = ErrorOutput  # credentials given but wrong (a revoked token, a bad password)
        if protected or (unsafe and any(issubclass(a, SessionAuthentication) for a in authenticators)):
            codes["403"] = ErrorOutput  # no credentials, no membership or role here, or no CSRF token
        if "{" in self.path or unsafe:
            codes["404"] = ErrorOutput  # the object in the path (or named in the body) does not exist here
        if unsafe:
            codes["409"] = ErrorOutput  # the object's state refuses the action (lapor.errors.InvalidTransition)
            codes["413"] = ErrorOutput
            codes["415"] = ErrorOutput
            codes["429"] = ErrorOutput  # rate limits and lockouts, with Retry-After
        elif getattr(view, "throttle_classes", None):
            codes["429"] = ErrorOutput
        if idempotent_view(self._handler()):
            codes["422"] = ErrorOutput  # an Idempotency-Key reused for a different request
        return codes

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        # A view whose errors have another shape (Open311's list of {code, description}) names it.
        own_shape = getattr(self.view, "error_output", None)
        for code, serializer in self._error_codes(operation).items():
            if code not in responses:  # the view's own documentation of a code wins
                responses[code] = self._get_response_for_code(own_shape or serializer, code)
        return operation
