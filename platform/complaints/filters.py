"""Officer search and filters over reports (django-filter)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Lookup, Q, QuerySet, TextField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from complaints.models import Report, Status
from complaints.tracking import tracking_id_normalize


@CharField.register_lookup
@TextField.register_lookup
class ILikeContains(Lookup):  # type: ignore[type-arg]
    """`field__ilike_contains=value`: case-insensitive substring match written as ILIKE.

    Django's `icontains` on PostgreSQL is `UPPER(col) LIKE UPPER(%s)`, which a pg_trgm index on
    the column cannot serve (the index would have to be on UPPER(col)); ILIKE can. Django has no
    ILIKE lookup of its own, so this one escapes LIKE's wildcards in the value and wraps it in %.
    """

    lookup_name = "ilike_contains"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", [f"%{escaped}%"]


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, moved to UTC before it reaches the query.

    Python accepts UTC offsets up to ±23:59, PostgreSQL only up to ±15:59: `…T11:34-16:54`
    passed as it came made the database refuse the whole query (a 500). In UTC any valid time is
    fine; one that cannot be moved there (year 1 at +10:00) is refused as invalid input.
    """

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ReportFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.CharFilter(field_name="category__code")
    type = django_filters.CharFilter(field_name="type")
    unit = django_filters.NumberFilter(method="filter_unit", label=_("unit (beserta sub-unitnya)"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("melewati tenggat"))
    submitted_from = UtcIsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_to = UtcIsoDateTimeFilter(field_name="submitted_at", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_text", label=_("cari teks"))
    # The performance figures' own subsets, so each number on the dashboard opens its reports.
    first_on_time = django_filters.BooleanFilter(
        method="filter_first_on_time", label=_("tanggapan pertama tepat waktu")
    )
    rated = django_filters.BooleanFilter(field_name="rating", lookup_expr="isnull", exclude=True, label=_("dinilai"))
    reopened = django_filters.BooleanFilter(method="filter_reopened", label=_("pernah dibuka kembali"))
    breached = django_filters.BooleanFilter(method="filter_breached", label=_("melanggar SLA tanggapan"))

    class Meta:
        model = Report
        fields = [
            "status", "category", "type", "unit", "overdue", "submitted_from", "submitted_to", "q", "first_on_time",
            "rated", "reopened", "breached",
        ]  # fmt: skip

    def filter_first_on_time(self, queryset: QuerySet[Report], name: str, value: bool) -> QuerySet[Report]:
        answered = queryset.filter(first_response_at__isnull=False, response_due_at__isnull=False)
        on_time = Q(first_response_at__lte=F("response_due_at"))
        return answered.filter(on_time) if value else answered.exclude(on_time)

    def filter_reopened(self, queryset: QuerySet[Report], name: str, value: bool) -> QuerySet[Report]:
        from complaints.models import AuditEvent

        reopened = Q(pk__in=AuditEvent.objects.filter(action="reopened").values("report_id"))
        return queryset.filter(reopened) if value else queryset.exclude(reopened)

    def filter_breached(self, queryset: QuerySet[Report], name: str, value: bool) -> QuerySet[Report]:
        from complaints.models import SlaBreach
        from deadlines.models import DeadlineKind

        breached = Q(pk__in=SlaBreach.objects.filter(kind=DeadlineKind.RESPONSE).values("report_id"))
        return queryset.filter(breached) if value else queryset.exclude(breached)

    def filter_unit(self, queryset: QuerySet[Report], name: str, value: int) -> QuerySet[Report]:
        unit = Unit.objects.filter(pk=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_overdue(self, queryset: QuerySet[Report], name: str, value: bool) -> QuerySet[Report]:
        now = timezone.now()
        overdue = Q(status=Status.SUBMITTED, verify_due_at__lt=now) | Q(
            status=Status.DISPOSED, first_response_at__isnull=True, response_due_at__lt=now
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_text(self, queryset: QuerySet[Report], name: str, value: str) -> QuerySet[Report]:
        # ILIKE, so the trigram GIN indexes on title and text serve it. They leave out reports
        # awaiting verification, which are found through the status index instead: the match is
        # spelled out per side of that split, so PostgreSQL can use both (a BitmapOr). A tracking
        # ID as typed (any case, with or without the dash) finds its report by the unique index.
        match = Q()
        for in_queue in (Q(status=Status.SUBMITTED), ~Q(status=Status.SUBMITTED)):
            match |= (in_queue & Q(title__ilike_contains=value)) | (in_queue & Q(text__ilike_contains=value))
        tracking_id = tracking_id_normalize(value)
        if tracking_id is not None:
            match |= Q(tracking_id=tracking_id)
        return queryset.filter(match)
