"""JSON Schemas written from the GeoReport v2 specification (wiki.open311.org/GeoReport_v2) and
FixMyStreet's servicerequestupdates extension, and the Spark mapping that turns the XML answer
into the same JSON, typed by the schema, so both formats are held to one definition.

`additionalProperties: false` everywhere: the specification advises against foreign elements.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import jsonschema

W3C = r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$"
_TEXT = {"type": ["string", "null"]}
_MOMENT = {"type": "string", "pattern": W3C}
_MOMENT_OR_NULL = {"type": ["string", "null"], "pattern": W3C}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _array(item: dict[str, Any], *, item_name: str, min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": min_items, "x-item": item_name}


ERRORS = _array(
    _object({"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}, ["code", "description"]),
    item_name="error",
    min_items=1,
)

DISCOVERY = _object(
    {
        "changeset": _MOMENT,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": _array(
            _object(
                {
                    "specification": {"type": "string", "const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": _MOMENT,
                    "type": {"enum": ["production", "test"]},
                    "formats": _array({"enum": ["text/xml", "application/json"]}, item_name="format", min_items=1),
                },
                ["specification", "url", "changeset", "type", "formats"],
            ),
            item_name="endpoint",
            min_items=1,
        ),
    },
    ["changeset", "contact", "endpoints"],
)

SERVICES = _array(
    _object(
        {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": _TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": _TEXT,
            "group": _TEXT,
        },
        ["service_code", "service_name", "metadata", "type"],
    ),
    item_name="service",
)

SERVICE_DEFINITION = _object(
    {
        "service_code": {"type": "string"},
        "attributes": _array(
            _object(
                {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                    "required": {"type": "boolean"},
                    "datatype_description": _TEXT,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": _array(
                        _object({"key": {"type": "string"}, "name": {"type": "string"}}, ["key", "name"]),
                        item_name="value",
                    ),
                },
                ["variable", "code", "datatype", "required", "order", "description"],
            ),
            item_name="attribute",
        ),
    },
    ["service_code", "attributes"],
)

REQUESTS = _array(
    _object(
        {
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["open", "closed"]},
            "status_notes": _TEXT,
            "service_name": _TEXT,
            "service_code": {"type": "string"},
            "description": {"type": ["string", "null"], "maxLength": 4000},
            "agency_responsible": _TEXT,
            "service_notice": _TEXT,
            "requested_datetime": _MOMENT,
            "updated_datetime": _MOMENT,
            "expected_datetime": _MOMENT_OR_NULL,
            "address": _TEXT,
            "address_id": _TEXT,
            "zipcode": _TEXT,
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": _TEXT,
        },
        ["service_request_id", "status", "service_code", "requested_datetime", "updated_datetime"],
    ),
    item_name="request",
)

# POST: either a service_request_id or a token, never both.
CREATED = _array(
    {
        **_object(
            {
                "service_request_id": {"type": "string", "minLength": 1},
                "token": {"type": "string"},
                "service_notice": _TEXT,
                "account_id": _TEXT,
            },
            [],
        ),
        "oneOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    },
    item_name="request",
    min_items=1,
)

UPDATES = _array(
    _object(
        {
            "update_id": {"type": "string", "minLength": 1},
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["open", "closed"]},
            "updated_datetime": _MOMENT,
            "description": _TEXT,
            "media_url": _TEXT,
        },
        ["update_id", "service_request_id", "status", "updated_datetime"],
    ),
    item_name="request_update",
)

ROOTS = {
    id(ERRORS): "errors",
    id(DISCOVERY): "discovery",
    id(SERVICES): "services",
    id(SERVICE_DEFINITION): "service_definition",
    id(REQUESTS): "service_requests",
    id(CREATED): "service_requests",
    id(UPDATES): "service_requests_updates",
}


def check_json(document: Any, schema: dict[str, Any]) -> None:
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


def _typed(text: str | None, schema: dict[str, Any]) -> Any:
    kinds = schema.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if text is None or text == "":
        return None if "null" in kinds else ""
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    if "integer" in kinds and text.lstrip("-").isdigit():
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _convert(element: ElementTree.Element, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "array":
        item_name = schema["x-item"]
        wrong = [c.tag for c in element if c.tag != item_name]
        assert not wrong, f"<{element.tag}> holds {wrong}, expected only <{item_name}>"
        return [_convert(child, schema["items"]) for child in element]
    if schema.get("type") == "object":
        names = [c.tag for c in element]
        assert len(names) == len(set(names)), f"<{element.tag}> repeats an element: {names}"
        return {c.tag: _convert(c, schema["properties"].get(c.tag, {})) for c in element}
    assert len(element) == 0, f"<{element.tag}> should hold text, not elements"
    return _typed(element.text, schema)


def parse_xml(content: bytes) -> ElementTree.Element:
    """The standard library's parser: the document is this server's own answer, not foreign input."""
    return ElementTree.fromstring(content)  # noqa: S314


def check_xml(content: bytes, schema: dict[str, Any]) -> Any:
    """Parse the XML answer (declaration included), convert it by the Spark convention, validate it."""
    assert content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), content[:60]
    root = parse_xml(content)
    assert root.tag == ROOTS[id(schema)], root.tag
    document = _convert(root, schema)
    check_json(document, schema)
    return document
