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

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from complaints.models import (
    PUBLIC_PRIVACY,
    Attachment,
    AuthorKind,
    Category,
    FollowUp,
    LinkRole,
    Privacy,
    ReferralLink,
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


_FIELDS = (
    "id",
    "tracking_id",
    "status",
    "title",
    "text",
    "category__code",
    "category__name",
    "category__name_en",
    "unit__name",
    "submitted_at",
    "verified_at",
    "disposed_at",
    "first_response_at",
    "answered_at",
    "closed_at",
    "response_due_at",
    "address",
    "kelurahan",
    "kecamatan",
    "region_code",
    "latitude",
    "longitude",
)


def request_rows(ids: list[int], *, site_root: str) -> list[dict[str, Any]]:
    """The GeoReport rows of `ids`, in that order: four queries, whatever the number."""
    if not ids:
        return []
    zone = pemda_zone()
    english = (current_language() or "id").startswith("en")
    reports = {r["id"]: r for r in Report.objects.filter(pk__in=ids).values(*_FIELDS)}
    notes: dict[int, tuple[str, datetime]] = {
        rid: (text, at)
        for rid, text, at in FollowUp.objects.filter(report_id__in=ids)
        .exclude(author_kind=AuthorKind.REPORTER)
        .order_by("report_id", "-created_at", "-id")
        .distinct("report_id")
        .values_list("report_id", "text", "created_at")
    }
    media = dict(
        Attachment.objects.filter(report_id__in=ids)
        .order_by("report_id", "id")
        .distinct("report_id")
        .values_list("report_id", "id")
    )
    referred = [pk for pk in ids if pk in reports and reports[pk]["status"] == Status.REFERRED]
    receivers = (
        dict(
            ReferralLink.objects.filter(report_id__in=referred, role=LinkRole.ORIGIN).values_list(
                "report_id", "receiver_name"
            )
        )
        if referred
        else {}
    )
    rows = []
    for pk in ids:
        r = reports.get(pk)
        if r is None:
            continue
        note = notes.get(pk)
        closed = GEOREPORT_STATUS.get(r["status"]) == "closed"
        moments = [
            m
            for m in (
                r["submitted_at"],
                r["verified_at"],
                r["disposed_at"],
                r["first_response_at"],
                r["answered_at"],
                r["closed_at"],
                note[1] if note else None,
            )
            if m is not None
        ]
        description = f"{r['title']}\n\n{r['text']}"
        name = r["category__name_en"] if english and r["category__name_en"] else r["category__name"]
        rows.append(
            {
                "service_request_id": r["tracking_id"],
                "status": GEOREPORT_STATUS.get(r["status"], "open"),
                "status_notes": note[0] if note else None,
                "service_name": name,
                "service_code": r["category__code"],
                "description": description[:DESCRIPTION_CHARS],
                "agency_responsible": (
                    receivers.get(pk) or _("Hub nasional LAPOR!") if r["status"] == Status.REFERRED else r["unit__name"]
                ),
                "service_notice": None,
                "requested_datetime": w3(r["submitted_at"], zone),
                "updated_datetime": w3(r["closed_at"] if closed and r["closed_at"] else max(moments), zone),
                "expected_datetime": None if closed else w3(r["response_due_at"], zone),
                "address": ", ".join(p for p in (r["address"], r["kelurahan"], r["kecamatan"]) if p) or None,
                "address_id": r["region_code"] or None,
                "zipcode": None,
                "lat": float(r["latitude"]) if r["latitude"] is not None else None,
                "long": float(r["longitude"]) if r["longitude"] is not None else None,
                "media_url": f"{site_root}/lampiran/{media[pk]}/" if pk in media else None,
            }
        )
    return rows


def current_language() -> str | None:
    from django.utils.translation import get_language

    return get_language()


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
