"""GeoReport v2's two wire formats: XML (required by the specification) and JSON (its Spark mapping).

Written here rather than taken from djangorestframework-xml: that renderer names every element
`root` / `list-item`, while the specification fixes each name (`service_requests` > `request`,
`attributes` > `attribute`, `errors` > `error` …), wants `<?xml … encoding="utf-8"?>` first and
no namespace. The tree is built with the standard library's ElementTree (its C accelerator),
so escaping is the library's; characters XML 1.0 cannot carry (control characters a citizen
may have pasted) are dropped from text, since no parser would accept the document otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# Lists inside an element: the container's name → each item's name, as the specification names them.
_ITEM_OF = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Open311Error(Exception):
    """An answer in the specification's error format: HTTP status and (code, description) pairs."""

    def __init__(self, status: int, *descriptions: str, code: int | None = None) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.errors = [(code or status, str(d)) for d in descriptions]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = value if isinstance(value, str) else str(value)
    return _NOT_XML.sub("", text)


def _add(parent: Element, name: str, value: Any) -> None:
    node = SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _add(node, key, item)
    elif isinstance(value, list):
        item_name = _ITEM_OF.get(name, "item")
        for item in value:
            _add(node, item_name, item)
    else:
        node.text = _text(value)


def xml_document(root: str, body: Any, item: str | None = None) -> bytes:
    """`body` (a list of mappings under `item`, or one mapping) as the specification's XML."""
    top = Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _add(top, key, value)
    else:
        for entry in body:
            _add(top, item or "item", entry)
    return _DECLARATION + tostring(top, encoding="utf-8", xml_declaration=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def json_document(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode()


def respond(fmt: str, root: str, body: Any, *, item: str | None = None, status: int = 200) -> HttpResponse:
    """One GeoReport answer. JSON is the XML's Spark mapping: the root element disappears and a
    list of `item` elements becomes an array (one mapping stays an object)."""
    if fmt == "json":
        content = json_document(body)
    else:
        fmt = "xml"
        content = xml_document(root, body, item)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": code, "description": description} for code, description in error.errors]
    return respond(fmt if fmt in FORMATS else "xml", "errors", body, item="error", status=error.status)


class XMLRenderer(BaseRenderer):
    """Names the XML media type for content negotiation and the OpenAPI schema; views render
    their bodies with `respond` (element names depend on the resource)."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return xml_document("response", data if isinstance(data, Mapping | list) else {"detail": data})


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json_document(data)
