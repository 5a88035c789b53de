"""The period of the open data (`?dari=YYYY-MM&sampai=YYYY-MM`), and the forms a table leaves the
server in: CSV, JSON, and the Frictionless Data Package descriptor (datapackage.json, spec v1).

The descriptor is written here rather than with the `frictionless` package: it is one JSON document
of a few fields built from the tables' own definitions (web.opendata.tables), and that package and
its dependencies are not among the project's pinned requirements. tests/web/test_opendata.py checks
its shape against the keys the Data Package, Tabular Data Resource and Table Schema specs require.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from performance.measures import first_day_of_months_ago
from performance.selectors import Period, PeriodError
from web.opendata.tables import COUNT, FLAG, KEY, THRESHOLD, Catalog, Row, Table

DEFAULT_MONTHS = 24  # without `dari`: the last two years, this month included
MAX_MONTHS = 60
FIRST_YEAR = 2000  # LAPOR! began in 2011: an earlier year is a typing error
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
SPEC_PROFILE = "tabular-data-package"


def period_parse(params: Mapping[str, str], *, today: date) -> Period:
    """The months asked for: `dari` and `sampai` as YYYY-MM, by default the last DEFAULT_MONTHS.

    Raises PeriodError, with a message for the reader, for a period that makes no sense.
    """
    this_month = today.replace(day=1)

    def month(raw: str) -> date:
        found = _MONTH.match(raw)
        if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < FIRST_YEAR:
            raise PeriodError(_("Bulan %(m)s tidak sah; tulis seperti 2026-03.") % {"m": raw})
        return date(int(found.group(1)), int(found.group(2)), 1)

    since_raw, until_raw = ((params.get(k) or "").strip() for k in ("dari", "sampai"))
    until = month(until_raw) if until_raw else this_month
    since = month(since_raw) if since_raw else first_day_of_months_ago(until, DEFAULT_MONTHS)
    if since > until:
        raise PeriodError(_("Bulan awal jatuh sesudah bulan akhir."))
    if until > this_month:
        raise PeriodError(_("Periode tidak boleh melewati bulan ini."))
    period = Period(since, until)
    if period.months > MAX_MONTHS:
        raise PeriodError(_("Periode paling panjang %(n)s bulan.") % {"n": MAX_MONTHS})
    return period


def period_query(params: Mapping[str, str], period: Period) -> str:
    """The query that asks for this period again ("" for the default, which moves with the months)."""
    if not any((params.get(k) or "").strip() for k in ("dari", "sampai")):
        return ""
    return f"?dari={period.since:%Y-%m}&sampai={period.until:%Y-%m}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(table: Table, rows: Sequence[Row]) -> str:
    """RFC 4180 CSV: a header of the schema's field names, "" for a missing or hidden value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in table.names])
    return out.getvalue()


def json_document(table: Table, rows: Sequence[Row], *, period: Period, descriptor_url: str) -> dict[str, Any]:
    """The table as JSON: each row an object of the schema's fields, null for a missing or hidden value."""
    return {
        "tabel": table.name,
        "periode": {"dari": f"{period.since:%Y-%m}", "sampai": f"{period.until:%Y-%m}"},
        "ambang": THRESHOLD,
        "lisensi": LICENSE["name"],
        "deskriptor": descriptor_url,
        "data": [{name: row.get(name) for name in table.names} for row in rows],
    }


def json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _schema(table: Table) -> dict[str, Any]:
    fields = []
    for f in table.fields:
        described: dict[str, Any] = {"name": f.name, "type": f.type, "title": str(f.title)}
        described["description"] = str(f.description)
        if f.kind not in (KEY, FLAG):
            described["description"] += " " + (
                _("Kosong bila kurang dari %(n)s laporan.") % {"n": THRESHOLD}
                if f.kind == COUNT
                else _("Kosong bila dihitung dari kurang dari %(n)s laporan.") % {"n": THRESHOLD}
            )
        if f.constraints:
            described["constraints"] = dict(f.constraints)
        fields.append(described)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return schema


def descriptor(catalog: Catalog, *, period: Period, root: str, query: str) -> dict[str, Any]:
    """datapackage.json: the package, its licence, and one tabular data resource per table.

    `root` is the host's address ("https://jakarta.lapor.go.id"), `query` the period's (period_query).
    """
    resources = []
    for table in catalog.tables:
        resources.append({
            "profile": "tabular-data-resource",
            "name": table.name,
            "path": f"{root}/data/{table.name}.csv{query}",
            "title": str(table.title),
            "description": str(table.description),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            "schema": _schema(table),
            # Not in the spec (extra properties are allowed): the same rows as JSON objects.
            "jsonPath": f"{root}/data/{table.name}.json{query}",
        })  # fmt: skip
    return {
        "profile": SPEC_PROFILE,
        "name": catalog.name,
        "title": catalog.title,
        "description": catalog.description,
        "homepage": f"{root}/data/",
        "created": timezone.now().isoformat(timespec="seconds"),
        "licenses": [LICENSE],
        "contributors": [{"title": catalog.publisher, "role": "publisher"}],
        "keywords": ["LAPOR!", "pengaduan", "pelayanan publik", "SP4N-LAPOR"],
        "temporal": {"start": f"{period.since:%Y-%m}", "end": f"{period.until:%Y-%m}"},
        "resources": resources,
    }
