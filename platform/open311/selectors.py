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
GEOREPORT_STATUS = {**{s: "open" for s in OPEN_STATUSES}, **{s: "closed" for s in CLOSED_STATUSES}}
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


def requests_by_tracking_ids(tracking_ids: list[str]) -> list[int]:
    found = dict(public_requests().filter(tracking_id__in=tracking_ids).values_list("tracking_id", "id"))
    return [found[t] for t in dict.fromkeys(tracking_ids) if t in found]


def requests_page(
    *, categories: list[int] | None, statuses: Iterable[str], start: datetime, end: datetime, limit: int
) -> list[int]:
    """Ids of the newest `limit` public requests submitted in [start, end], newest first.

    One part per category (or per status without one), each a backward scan of an existing
    index — report_category_time (category, submitted_at) or report_status_time (status,
    submitted_at) — cut at `limit`, merged. No index exists for this alone: every intake would
    pay for it.
    """
    statuses = list(statuses)
    base = public_requests().filter(submitted_at__gte=start, submitted_at__lte=end)
    if categories:
        parts = [base.filter(category_id=c, status__in=statuses) for c in categories]
    else:
        parts = [base.filter(status=s) for s in statuses]
    heads = [p.order_by("-submitted_at", "-id").values_list("submitted_at", "id")[:limit] for p in parts]
    rows = heads[0].union(*heads[1:], all=True) if len(heads) > 1 else heads[0]
    return [pk for _at, pk in sorted(rows, reverse=True)[:limit]]


# One statement for a page of requests, in the order of `ids`: the report, its category and unit,
# the officer's last follow-up, the first attachment and (for a referred report) who holds it
# now, each a lateral index probe; times rendered by PostgreSQL in the Pemda's zone. Building the
# same rows through the ORM (model rows, aware datetimes, five queries) cost ~150 ms of a
# 1,000-request page on 1,000,000 reports; this costs a fraction of it.
_ROWS_SQL = """
SELECT r.tracking_id, r.status, note.text, c.code, c.name, c.name_en, u.name, ref.receiver_name,
       r.title, r.text,
       to_char(r.submitted_at AT TIME ZONE %(zone)s, 'YYYY-MM-DD"T"HH24:MI:SS'),
       to_char(CASE WHEN r.status IN ('answered', 'closed') AND r.closed_at IS NOT NULL THEN r.closed_at
                    ELSE GREATEST(r.submitted_at, r.verified_at, r.disposed_at, r.first_response_at,
                                  r.answered_at, r.closed_at, note.created_at) END
               AT TIME ZONE %(zone)s, 'YYYY-MM-DD"T"HH24:MI:SS'),
       to_char(r.response_due_at AT TIME ZONE %(zone)s, 'YYYY-MM-DD"T"HH24:MI:SS'),
       r.address, r.kelurahan, r.kecamatan, r.region_code, r.latitude::float8, r.longitude::float8, media.id
FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS picked(id, n)
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


def request_rows(ids: list[int], *, site_root: str) -> list[dict[str, Any]]:
    """The GeoReport rows of `ids`, in that order: one query, whatever the number."""
    if not ids:
        return []
    zone = pemda_zone()
    # Indonesia keeps no daylight saving time: one offset serves every moment of the page.
    offset = datetime.now(zone).strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    english = (get_language() or "id").startswith("en")
    hub_name = _("Hub nasional LAPOR!")
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL, {"ids": ids, "zone": zone.key})
        found = cursor.fetchall()
    rows = []
    for (
        tracking_id,
        status,
        note,
        code,
        name,
        name_en,
        unit,
        receiver,
        title,
        text,
        requested,
        updated,
        due,
        address,
        kelurahan,
        kecamatan,
        region_code,
        lat,
        long,
        media,
    ) in found:
        state = GEOREPORT_STATUS.get(status, "open")
        rows.append(
            {
                "service_request_id": tracking_id,
                "status": state,
                "status_notes": note,
                "service_name": name_en if english and name_en else name,
                "service_code": code,
                "description": f"{title}\n\n{text}"[:DESCRIPTION_CHARS],
                "agency_responsible": (receiver or hub_name) if status == Status.REFERRED else unit,
                "service_notice": None,
                "requested_datetime": requested + offset,
                "updated_datetime": updated + offset,
                "expected_datetime": due + offset if due and state == "open" else None,
                "address": ", ".join(p for p in (address, kelurahan, kecamatan) if p) or None,
                "address_id": region_code or None,
                "zipcode": None,
                "lat": lat,
                "long": long,
                "media_url": f"{site_root}/lampiran/{media}/" if media else None,
            }
        )
    return rows


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
