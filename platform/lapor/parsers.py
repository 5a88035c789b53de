"""Request body parsers for every API: DRF's, made safe against hostile bodies.

- JSON nested deeper than MAX_DEPTH is refused before it is decoded (Python's decoder recurses,
  and ~1,000 levels in 2 KB raised RecursionError: a 500 on every endpoint).
- Form and multipart fields that are not valid UTF-8 are refused, not stored with U+FFFD
  replacement characters (Django decodes them with errors="replace").
- A body over Django's size limits answers the API's JSON error (413 for size, 400 for too many
  fields) instead of the HTML 400 page.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

MAX_DEPTH = 64
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Isi permintaan terlalu besar.")
    default_code = "too_large"


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def _refuse_replacements(data: Any) -> None:
    for name in getattr(data, "keys", lambda: [])():
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        if "\ufffd" in name or any(isinstance(v, str) and "\ufffd" in v for v in values):
            raise ParseError(
                _("Isian %(field)s berisi teks yang bukan UTF-8.") % {"field": name.replace("\ufffd", "?")}
            )


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        except RequestDataTooBig:
            raise PayloadTooLarge from None
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge
        # Fewer brackets than the limit cannot nest past it: the common body skips the byte walk.
        if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and json_depth(raw) > MAX_DEPTH:
            raise ParseError(_("JSON bersarang terlalu dalam (paling banyak %(n)s tingkat).") % {"n": MAX_DEPTH})
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON bersarang terlalu dalam.")) from None


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            raise PayloadTooLarge from None
        except TooManyFieldsSent:
            raise ParseError(_("Terlalu banyak isian.")) from None
        _refuse_replacements(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            result = super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            raise PayloadTooLarge from None
        except TooManyFieldsSent:
            raise ParseError(_("Terlalu banyak isian.")) from None
        _refuse_replacements(result.data)
        return result
