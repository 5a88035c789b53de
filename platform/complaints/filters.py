"""Officer search and filters over reports (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from complaints.models import Report, Status


class ReportFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.CharFilter(field_name="category__code")
    type = django_filters.CharFilter(field_name="type")
    unit = django_filters.NumberFilter(method="filter_unit", label=_("unit (beserta sub-unitnya)"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("melewati tenggat"))
    submitted_from = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_to = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_text", label=_("cari teks"))

    class Meta:
        model = Report
        fields = ["status", "category", "type", "unit", "overdue", "submitted_from", "submitted_to", "q"]

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
        # Served by the trigram GIN indexes on title and text.
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value) | Q(tracking_id__iexact=value))
