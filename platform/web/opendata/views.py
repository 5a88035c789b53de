"""/data/ on every Pemda host: the open data page, datapackage.json, and each table as CSV or JSON.
Public, no login. The hub serves its national tables through the same responses
(national_hub.opendata), with a catalogue of its own.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from lapor.replica import replica_reads
from performance.selectors import Period, PeriodError
from web.opendata.formats import (
    DEFAULT_MONTHS,
    LICENSE,
    MAX_MONTHS,
    csv_text,
    descriptor,
    json_bytes,
    json_document,
    period_parse,
    period_query,
)
from web.opendata.selectors import pemda_catalog
from web.opendata.tables import THRESHOLD, Catalog, Row

# How long a browser or a proxy may keep a file, and the server its computed tables: the figures
# follow the reports within minutes anyway (performance.aggregate).
CACHE_SECONDS = 300

TYPE_NAMES = {
    "string": gettext_lazy("teks"),
    "integer": gettext_lazy("bilangan bulat"),
    "number": gettext_lazy("angka"),
    "boolean": gettext_lazy("true/false"),
    "yearmonth": gettext_lazy("bulan (YYYY-MM)"),
}


def _root(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in ("dari", "sampai")}


def _tables_of(catalog: Catalog, period: Period) -> dict[str, list[Row]]:
    # The default cache's keys carry the schema (django_tenants.cache.make_key): one Pemda's tables
    # are never served to another.
    key = f"opendata:{catalog.name}:{period.since:%Y-%m}:{period.until:%Y-%m}"
    found = cache.get(key)
    if found is None:
        found = catalog.compute(period)
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _shared(response: HttpResponse, *, by_language: bool = False) -> HttpResponse:
    """Anyone may keep and reuse a file for CACHE_SECONDS, and a page of another site may fetch it."""
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    if by_language:
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def opendata_page(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    params = _params(request)
    error = ""
    period: Period | None = None
    try:
        period = period_parse(params, today=catalog.today)
        query = period_query(params, period)
    except PeriodError as exc:
        error, query = str(exc), ""
    root = _root(request)
    tables = [
        {
            "table": table,
            "csv": f"{root}/data/{table.name}.csv{query}",
            "json": f"{root}/data/{table.name}.json{query}",
            "fields": [(f, TYPE_NAMES.get(f.type, f.type)) for f in table.fields],
        }
        for table in catalog.tables
    ]
    context: dict[str, Any] = {
        "nav": "data",
        "catalog": catalog,
        "params": params,
        "period": period,
        "error": error,
        "tables": tables,
        "datapackage": f"{root}/data/datapackage.json{query}",
        "threshold": THRESHOLD,
        "below_threshold": THRESHOLD - 1,
        "cache_minutes": CACHE_SECONDS // 60,
        "default_months": DEFAULT_MONTHS,
        "max_months": MAX_MONTHS,
        "license": LICENSE,
    }
    response = render(request, "web/data.html", context, status=400 if error else 200)
    # The page carries the visitor's CSRF token (the language switch): kept by the browser only.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


def _refused(message: str, fmt: str) -> HttpResponse:
    if fmt == "csv":
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})


def opendata_descriptor(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    params = _params(request)
    try:
        period = period_parse(params, today=catalog.today)
    except PeriodError as exc:
        return _refused(str(exc), "json")
    document = descriptor(catalog, period=period, root=_root(request), query=period_query(params, period))
    return _shared(HttpResponse(json_bytes(document), content_type="application/json"), by_language=True)


def opendata_resource(request: HttpRequest, catalog: Catalog, name: str, fmt: str) -> HttpResponse:
    table = catalog.table(name)
    if table is None or fmt not in ("csv", "json"):
        raise Http404(_("Tabel data terbuka itu tidak ada."))
    params = _params(request)
    try:
        period = period_parse(params, today=catalog.today)
    except PeriodError as exc:
        return _refused(str(exc), fmt)
    rows = _tables_of(catalog, period)[table.name]
    filename = f"{catalog.name}-{table.name}-{period.since:%Y-%m}-{period.until:%Y-%m}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_text(table, rows).encode(), content_type="text/csv; charset=utf-8")
    else:
        query = period_query(params, period)
        document = json_document(
            table, rows, period=period, descriptor_url=f"{_root(request)}/data/datapackage.json{query}"
        )
        response = HttpResponse(json_bytes(document), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _shared(response)


# --- a Pemda's host --------------------------------------------------------------------------------


def _catalog(request: HttpRequest) -> Catalog:
    return pemda_catalog(request.tenant)  # type: ignore[attr-defined]


@replica_reads
@require_safe
def data_page(request: HttpRequest) -> HttpResponse:
    return opendata_page(request, _catalog(request))


@replica_reads
@require_safe
def data_descriptor(request: HttpRequest) -> HttpResponse:
    return opendata_descriptor(request, _catalog(request))


@replica_reads
@require_safe
def data_resource(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    return opendata_resource(request, _catalog(request), name, fmt)
