"""Reads about reports: the Pemda's calendar, visibility by membership, duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from agencies.models import Unit
from complaints.models import (
    PUBLIC_PRIVACY,
    PUBLIC_STATUSES,
    AuthorKind,
    CalendarDay,
    CalendarDayKind,
    Category,
    Disposition,
    FollowUp,
    LinkRole,
    ReferralLink,
    Report,
    Status,
)
from lapor.localcache import local_forget, local_get
from tenants.calendar import WorkingCalendar
from tenants.context import current_schema, current_tenant
from tenants.models import WorkCalendar

_CALENDAR_KEY = "complaints:calendar"
_CATEGORIES_KEY = "complaints:categories"

# Roles that see every report of the Pemda (officers see their unit's subtree only).
WHOLE_TENANT_ROLES = {Role.TENANT_ADMIN, Role.VERIFIKATOR, Role.PIMPINAN, Role.AUDITOR}


def tenant_calendar() -> WorkingCalendar:
    """The current Pemda's working-day calendar (cached per tenant; cleared when a day changes)."""
    return local_get(f"{current_schema()}:{_CALENDAR_KEY}", _load_calendar)


def _load_calendar() -> WorkingCalendar:
    pemda = current_tenant()
    loaded = cache.get(_CALENDAR_KEY)
    if loaded is None:
        loaded = (
            WorkCalendar.objects.filter(pemda_id=pemda.pk).first(),
            list(CalendarDay.objects.values_list("date", "kind")),
        )
        cache.set(_CALENDAR_KEY, loaded, 300)
    settings, days = loaded
    return WorkingCalendar.for_pemda(
        timezone=pemda.timezone,
        settings=settings,
        extra_holidays=frozenset(d for d, kind in days if kind != CalendarDayKind.WORKING),
        extra_working_days=frozenset(d for d, kind in days if kind == CalendarDayKind.WORKING),
    )


def tenant_calendar_forget() -> None:
    local_forget(f"{current_schema()}:{_CALENDAR_KEY}")
    cache.delete(_CALENDAR_KEY)


def active_category(*, code: str) -> Category | None:
    """An active category by code, from the tenant's cache (every intake needs one; they rarely change)."""
    return local_get(f"{current_schema()}:{_CATEGORIES_KEY}", _load_categories).get(code)


def _load_categories() -> dict[str, Category]:
    categories = cache.get(_CATEGORIES_KEY)
    if categories is None:
        categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        cache.set(_CATEGORIES_KEY, categories, 300)
    return categories  # type: ignore[no-any-return]


def categories_forget() -> None:
    local_forget(f"{current_schema()}:{_CATEGORIES_KEY}")
    cache.delete(_CATEGORIES_KEY)


def units_of(memberships: list[Membership]) -> list[Unit]:
    ids = [m.unit_id for m in memberships if m.unit_id and m.role in (Role.UNIT_HEAD, Role.UNIT_OFFICER)]
    return list(Unit.objects.filter(pk__in=ids))


def reports_visible_to(*, memberships: list[Membership]) -> QuerySet[Report]:
    """Every report for whole-tenant roles; for unit staff, reports disposed into their subtrees."""
    reports = Report.objects.select_related("category", "unit")
    if any(m.role in WHOLE_TENANT_ROLES for m in memberships):
        return reports
    units = units_of(memberships)
    if not units:
        return reports.none()
    subtree = Q()
    for unit in units:
        subtree |= Q(unit__path__startswith=unit.path)
    return reports.filter(subtree)


def report_duplicate_candidates(*, report: Report, limit: int = 5) -> list[Report]:
    """Likely duplicates: same category, recent, similar words, and nearby when both have a location."""
    since = report.submitted_at - timedelta(days=30)
    candidates = (
        Report.objects.filter(category_id=report.category_id, submitted_at__gte=since)
        .exclude(pk=report.pk)
        .exclude(status__in=[Status.MERGED, Status.ARCHIVED])
        .annotate(
            similarity=Greatest(TrigramSimilarity("title", report.title), TrigramSimilarity("text", report.text[:1000]))
        )
        .filter(similarity__gte=0.25)
    )
    if report.latitude is not None and report.longitude is not None:
        # ~500 m box; cheap and index-free, good enough to rank a handful of candidates.
        delta = 0.0045
        candidates = candidates.filter(
            Q(latitude__isnull=True)
            | Q(
                latitude__range=(report.latitude - _d(delta), report.latitude + _d(delta)),
                longitude__range=(report.longitude - _d(delta), report.longitude + _d(delta)),
            )
        )
    return list(candidates.order_by("-similarity")[:limit])


def _d(value: float) -> Decimal:
    return Decimal(str(value))


# --- what the reporter and the public read (the citizen portal) ------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # submitted | disposed | referred | officer | reporter | closed | archived | merged
    who: str
    text: str = ""
    is_final: bool = False


def report_handler_name(report: Report) -> str:
    """Who works the report now, as a citizen should read it: the Pemda or K/L it was referred to
    (for the rest of its life), the SKPD it was disposed to, or the Pemda's verifikator."""
    link = ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.ORIGIN).first()
    if link is not None:
        return link.receiver_name or str(_("Hub nasional LAPOR!"))
    if report.unit_id is not None and report.status not in (Status.SUBMITTED, Status.DEFERRED):
        return report.unit.name  # type: ignore[union-attr]
    return str(_("Verifikator %(pemda)s") % {"pemda": current_tenant().name})


def report_timeline(report: Report) -> list[TimelineEntry]:
    """The report's public history, oldest first: what the reporter and (for a non-rahasia
    report) anyone may read. Internal notes, identity and officers' names never appear."""
    pemda = current_tenant().name
    entries = [TimelineEntry(report.submitted_at, "submitted", str(_("Pelapor")), str(_("Laporan diterima.")))]
    for disposition in Disposition.objects.filter(report_id=report.pk).select_related("to_unit"):
        entries.append(TimelineEntry(disposition.created_at, "disposed", pemda, disposition.to_unit.name))
    for referral in report.referrals.all():
        link = ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.ORIGIN).first()
        entries.append(TimelineEntry(referral.created_at, "referred", pemda, link.receiver_name if link else ""))
    for followup in FollowUp.objects.filter(report_id=report.pk).select_related("unit").order_by("id"):
        if followup.author_kind == AuthorKind.REPORTER:
            entries.append(TimelineEntry(followup.created_at, "reporter", str(_("Pelapor")), followup.text))
        else:
            who = followup.unit.name if followup.unit is not None else _officer_side(report, pemda)
            entries.append(TimelineEntry(followup.created_at, "officer", who, followup.text, followup.is_final))
    if report.status == Status.ARCHIVED and report.closed_at is not None:
        entries.append(TimelineEntry(report.closed_at, "archived", pemda, report.archive_reason))
    elif report.status == Status.MERGED and report.closed_at is not None and report.merged_into is not None:
        entries.append(TimelineEntry(report.closed_at, "merged", pemda, report.merged_into.tracking_id))
    elif report.status == Status.CLOSED and report.closed_at is not None:
        entries.append(TimelineEntry(report.closed_at, "closed", pemda))
    return sorted(entries, key=lambda e: e.at)


def _officer_side(report: Report, pemda: str) -> str:
    # A follow-up mirrored from the receiver of a referral, or written before disposition.
    return report_handler_name(report) if report.status != Status.SUBMITTED else pemda


def public_reports() -> QuerySet[Report]:
    """Reports anyone may browse (Pantau): verified, not rahasia, not merged or archived."""
    return Report.objects.filter(status__in=PUBLIC_STATUSES, privacy__in=PUBLIC_PRIVACY)


def public_reports_page(*, reports: QuerySet[Report], after: tuple[datetime, int] | None, size: int) -> list[Report]:
    """One page of `reports` (public ones, filtered), newest first, after the cursor (submitted_at, id).

    Read as the newest `size` of each public status, merged: each part is one backward scan of
    report_status_time from the cursor, so page 10,000 costs what page 1 does, and no index
    exists for public monitoring alone (every new report would pay for it at intake).
    """
    parts = []
    for status in PUBLIC_STATUSES:
        part = reports.filter(status=status)
        if after is not None:
            part = part.filter(
                # A row comparison: one range of the index, the values passed as parameters.
                RawSQL(  # noqa: S611
                    f"({Report._meta.db_table}.submitted_at, {Report._meta.db_table}.id) < (%s, %s)",
                    after,
                    output_field=BooleanField(),
                )
            )
        parts.append(part.order_by("-submitted_at", "-id").values_list("submitted_at", "id")[:size])
    newest = sorted(parts[0].union(*parts[1:], all=True), reverse=True)[:size]
    found = Report.objects.select_related("category", "unit").in_bulk([pk for _at, pk in newest])
    return [found[pk] for _at, pk in newest]
