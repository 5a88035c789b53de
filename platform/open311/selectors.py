"""Open311's reads: the Pemda's categories as services, and the reports public monitoring shows
as service requests, with their follow-ups as updates.

Only what /pantau/ shows ever appears (complaints.models.PUBLIC_STATUSES and PUBLIC_PRIVACY):
verified reports that are not rahasia; the reporter (named or anonim) never does. LAPOR!'s states
map onto GeoReport's two: a disposed or referred report is `open`; an answered or closed one is
`closed` (an answered report the reporter reopens is disposed, so open, again). `status_notes`
is the last follow-up an officer wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import (
    PUBLIC_PRIVACY,
    AuthorKind,
    Category,
    FollowUp,
    Privacy,
    Report,
    ReportType,
    Status,
)
from complaints.seed import NATIONAL_CATEGORIES
from tenants.context import current_tenant

# The specification's default volume: at most 90 days, at most 1000 requests.
MAX_DAYS = 90
MAX_REQUESTS = 1000
DESCRIPTION_CHARS = 4000  # "free form text limited to 4,000 characters"

OPEN_STATUSES = (Status.DISPOSED, Status.REFERRED)
CLOSED_STATUSES = (Status.ANSWERED, Status.CLOSED)
_NATIONAL = frozenset(code for code, _name, _en in NATIONAL_CATEGORIES)


def pemda_zone() -> ZoneInfo:
    return ZoneInfo(current_tenant().timezone)


def w3(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """W3C date-time with the Pemda's offset, as the specification requires (e.g. 2026-12-04T09:30:00+07:00)."""
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


# --- services ------------------------------------------------------------------------------------


def services_list() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("code"))


def service_by_code(code: str) -> Category | None:
    if not code or len(code) > 40:
        return None
    return Category.objects.filter(code=code, is_active=True).first()


def service_row(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.name if category.label != category.name else (category.name_en or category.name),
        # Every category takes the intake's own questions beyond GeoReport's fields (ATTRIBUTES).
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(n for n in (category.name, category.name_en) if n),
        "group": _("nasional (dirujuk ke K/L)") if category.code in _NATIONAL else _("daerah"),
    }


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": False,
            "datatype_description": None,
            "order": self.order,
            "description": self.description,
        }
        if self.values:
            row["values"] = [{"key": key, "name": name} for key, name in self.values]
        return row


def attributes() -> list[Attribute]:
    """What LAPOR!'s intake takes beyond GeoReport's own fields (the same for every category)."""
    return [
        Attribute(
            "judul",
            "string",
            _("Judul singkat laporan (5 sampai 200 karakter). Tanpa judul, awal deskripsi dipakai."),
            1,
        ),
        Attribute(
            "jenis",
            "singlevaluelist",
            _("Jenis laporan; bawaannya pengaduan."),
            2,
            tuple((t.value, str(t.label)) for t in ReportType),
        ),
        Attribute(
            "privasi",
            "singlevaluelist",
            _(
                "Privasi pelapor. Bawaannya anonim dan rahasia: identitas tidak terlihat petugas dan laporan "
                "tidak tampil untuk publik (juga tidak di Open311)."
            ),
            3,
            tuple((p.value, str(p.label)) for p in Privacy),
        ),
        Attribute("kecamatan", "string", _("Nama kecamatan tempat masalah."), 4),
        Attribute("kelurahan", "string", _("Nama kelurahan atau desa tempat masalah."), 5),
    ]


# --- service requests ----------------------------------------------------------------------------


def public_requests() -> QuerySet[Report]:
    return Report.objects.filter(status__in=[*OPEN_STATUSES, *CLOSED_STATUSES], privacy__in=PUBLIC_PRIVACY)


@dataclass(frozen=True)
class Picked:
    """Which requests an answer holds and in what order: a statement of (id, n) rows, n ascending
    in the answer's order, that request_rows reads from within its own statement."""

    sql: str
    params: tuple[Any, ...]


def _ids_picked(ids: list[int]) -> Picked:
    # One array literal, not ARRAY[…] of a thousand constants (psycopg2's rendering of a list),
    # which PostgreSQL parses and plans element by element: ~3 ms of a 1,000-request page.
    literal = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return Picked("SELECT id, n FROM unnest(%s::bigint[]) WITH ORDINALITY AS p(id, n)", (literal,))


def requests_by_tracking_ids(tracking_ids: list[str]) -> Picked:
    found = dict(public_requests().filter(tracking_id__in=tracking_ids).values_list("tracking_id", "id"))
    return _ids_picked([found[t] for t in dict.fromkeys(tracking_ids) if t in found])


def requests_page(
    *, categories: list[int] | None, statuses: Iterable[str], start: datetime, end: datetime, limit: int
) -> Picked:
    """The newest `limit` public requests submitted in [start, end], newest first.

    One part per category (or per status without one), each a backward scan of an existing
    index — report_public_category_time (category, submitted_at, id) or report_status_time
    (status, submitted_at) — cut at `limit`, merged. No index exists for this alone: every intake
    would pay for it. The ORM writes the parts (the public filter stays public_requests'); the
    merge runs inside request_rows' statement, so a page is one round trip.
    """
    statuses = list(statuses)
    base = public_requests().filter(submitted_at__gte=start, submitted_at__lte=end)
    if categories:
        parts = [base.filter(category_id=c, status__in=statuses) for c in categories]
    else:
        parts = [base.filter(status=s) for s in statuses]
    heads = [p.order_by("-submitted_at", "-id").values_list("submitted_at", "id")[:limit] for p in parts]
    merged = heads[0].union(*heads[1:], all=True) if len(heads) > 1 else heads[0]
    sql, params = merged.query.get_compiler(using=merged.db).as_sql()
    return Picked(
        f"SELECT id, row_number() OVER (ORDER BY submitted_at DESC, id DESC) AS n FROM ({sql}) heads"
        " ORDER BY n LIMIT %s",
        (*params, limit),
    )


# GeoReport's fields of a service request, in the specification's order (the XML's element order).
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)

# One statement for an answer, its requests picked (Picked) and rendered in REQUEST_FIELDS' order:
# the report, its category and unit, the officer's last follow-up, the first attachment and (for
# a referred report) who holds it now, each a lateral index probe; every field rendered by
# PostgreSQL (times as W3C date-times in the Pemda's zone, texts joined, NULL for empty), so
# Python only names the columns. Building the same rows through the ORM (model rows, aware
# datetimes, five queries) cost ~150 ms of a 1,000-request page on 1,000,000 reports; this
# statement ~15 ms, and the rows' building in Python ~1 ms instead of ~5.
_CLOSED_SQL = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
_UPDATED_SQL = (
    f"CASE WHEN r.status IN ({_CLOSED_SQL}) AND r.closed_at IS NOT NULL THEN r.closed_at"
    " ELSE GREATEST(r.submitted_at, r.verified_at, r.disposed_at, r.first_response_at, r.answered_at,"
    " r.closed_at, note.created_at) END"
)


def _w3c(moment: str) -> str:
    return f"""to_char(({moment}) AT TIME ZONE k.zone, 'YYYY-MM-DD"T"HH24:MI:SS') || k.utc_offset"""


_ROWS_SQL = f"""
WITH picked AS (%PICKED%),
k AS (SELECT %s::text AS zone, %s::text AS utc_offset, %s::boolean AS english, %s::text AS hub, %s::text AS root)
SELECT r.tracking_id,
       CASE WHEN r.status IN ({_CLOSED_SQL}) THEN 'closed' ELSE 'open' END,
       note.text,
       CASE WHEN k.english AND c.name_en <> '' THEN c.name_en ELSE c.name END,
       c.code,
       left(r.title || E'\\n\\n' || r.text, {DESCRIPTION_CHARS}),
       CASE WHEN r.status = 'referred' THEN coalesce(nullif(ref.receiver_name, ''), k.hub) ELSE u.name END,
       NULL,
       {_w3c("r.submitted_at")},
       {_w3c(_UPDATED_SQL)},
       CASE WHEN r.status NOT IN ({_CLOSED_SQL}) THEN {_w3c("r.response_due_at")} END,
       nullif(concat_ws(', ', nullif(r.address, ''), nullif(r.kelurahan, ''), nullif(r.kecamatan, '')), ''),
       nullif(r.region_code, ''),
       NULL,
       r.latitude::float8,
       r.longitude::float8,
       k.root || '/lampiran/' || media.id || '/'
FROM picked
CROSS JOIN k
JOIN complaints_report r ON r.id = picked.id
JOIN complaints_category c ON c.id = r.category_id
LEFT JOIN agencies_unit u ON u.id = r.unit_id
LEFT JOIN LATERAL (
    SELECT f.text, f.created_at FROM complaints_followup f
    WHERE f.report_id = r.id AND f.author_kind <> 'reporter' ORDER BY f.created_at DESC, f.id DESC LIMIT 1
) note ON true
LEFT JOIN LATERAL (
    SELECT a.id FROM complaints_attachment a WHERE a.report_id = r.id ORDER BY a.id LIMIT 1
) media ON true
LEFT JOIN LATERAL (
    SELECT l.receiver_name FROM complaints_referrallink l
    WHERE l.report_id = r.id AND l.role = 'origin' AND r.status = 'referred' LIMIT 1
) ref ON true
ORDER BY picked.n
"""


def request_rows(picked: Picked, *, site_root: str) -> list[dict[str, Any]]:
    """The GeoReport rows of the picked requests, in their order: one statement, whatever the number."""
    zone = pemda_zone()
    # Indonesia keeps no daylight saving time: one offset serves every moment of the answer.
    offset = datetime.now(zone).strftime("%z")
    constants = (
        zone.key,
        f"{offset[:3]}:{offset[3:]}",
        (get_language() or "id").startswith("en"),
        _("Hub nasional LAPOR!"),
        site_root,
    )
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL.replace("%PICKED%", picked.sql), (*picked.params, *constants))
        return [dict(zip(REQUEST_FIELDS, row, strict=True)) for row in cursor.fetchall()]


# --- updates (the servicerequestupdates extension) ------------------------------------------------


def request_updates(*, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """Officers' follow-ups on public requests written in [start, end], oldest first (a client
    polls forward from the last `updated_datetime` it saw). A final answer closes the request."""
    zone = pemda_zone()
    updates = (
        FollowUp.objects.filter(
            created_at__gte=start,
            created_at__lte=end,
            report__status__in=[*OPEN_STATUSES, *CLOSED_STATUSES],
            report__privacy__in=PUBLIC_PRIVACY,
        )
        .exclude(author_kind=AuthorKind.REPORTER)
        .order_by("created_at", "id")
        .values_list("id", "report__tracking_id", "is_final", "created_at", "text")[:limit]
    )
    return [
        {
            "update_id": str(pk),
            "service_request_id": tracking_id,
            "status": "closed" if final else "open",
            "updated_datetime": w3(at, zone),
            "description": text[:DESCRIPTION_CHARS],
            "media_url": None,
        }
        for pk, tracking_id, final, at, text in updates
    ]
