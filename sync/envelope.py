"""The versioned JSON message every transport carries, and its published JSON Schema.

Version 1 is the only version; a message naming any other is refused whole (never half-applied).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _

from sync.handlers import kind_docs, known_kinds

SCHEMA_VERSION = "lapor.sync/1"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of version 1, published at /sync/v1/schema.json; kinds come from the handler table."""
    kinds = kind_docs()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "lapor.sync/1",
        "title": "LAPOR! sync message, version 1",
        "type": "object",
        "required": ["schema", "id", "kind", "to", "referral", "version", "body"],
        "properties": {
            "schema": {"const": SCHEMA_VERSION},
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "message id; a repeat is acknowledged, not applied",
            },
            "kind": {"enum": list(kinds)},
            "to": {"type": "string", "description": "party at the receiving deployment: 'hub' or a Kemendagri code"},
            "referral": {"type": "string", "description": "referral key, the same at every party"},
            "version": {"type": "integer", "minimum": 1, "description": "per-referral; older versions are ignored"},
            "body": {
                "type": "object",
                "description": " ".join(f"{kind}: {doc}" for kind, doc in kinds.items()),
            },
        },
    }


class EnvelopeError(ValueError):
    """The message is malformed or of an unknown schema version; nothing of it is applied."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def envelope_parse(data: Any) -> dict[str, Any]:
    """Check a received message against schema version 1; returns it or raises EnvelopeError."""
    if not isinstance(data, dict):
        raise EnvelopeError(_("Pesan harus berupa objek JSON."), "malformed")
    if data.get("schema") != SCHEMA_VERSION:
        raise EnvelopeError(
            _("Versi skema pesan %(v)s tidak dikenal; yang didukung: %(ok)s.")
            % {"v": data.get("schema"), "ok": SCHEMA_VERSION},
            "unknown_schema_version",
        )
    try:
        uuid.UUID(str(data.get("id")))
    except ValueError as exc:
        raise EnvelopeError(_("Id pesan harus UUID."), "malformed") from exc
    if data.get("kind") not in known_kinds():
        raise EnvelopeError(_("Jenis pesan %(k)s tidak dikenal.") % {"k": data.get("kind")}, "malformed")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise EnvelopeError(_("Versi rujukan harus bilangan bulat positif."), "malformed")
    for field in ("to", "referral"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise EnvelopeError(_("Kolom %(f)s wajib diisi.") % {"f": field}, "malformed")
    if not isinstance(data.get("body"), dict):
        raise EnvelopeError(_("Kolom body harus berupa objek."), "malformed")
    return data
