"""SLA clocks for Prometheus, read at scrape time (lapor.metrics): one query over the public index.

`lapor_sla_open_deadlines{pemda, kind, stage}`: running clocks per Pemda, by how far they have
gone (`pending`, `reminded`, `breached`, `escalated_admin`, `escalated_pimpinan`). The count of
breaches as they happen is the counter `lapor_sla_breaches_total` (complaints.services).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from deadlines.models import DeadlineKind, DueDeadline, Stage
from lapor.metrics import DatabaseCollector

# Clocks of reports (not the per-tenant sweep rows of notifications and channel messages).
_REPORT_CLOCKS = (DeadlineKind.VERIFY, DeadlineKind.RESPONSE)


class DeadlineCollector(DatabaseCollector):
    def read(self) -> Iterable[Any]:
        family = GaugeMetricFamily(
            "lapor_sla_open_deadlines",
            "Running SLA clocks per Pemda, by clock and stage",
            labels=["pemda", "kind", "stage"],
        )
        rows = (
            DueDeadline.objects.filter(kind__in=_REPORT_CLOCKS)
            .values("schema_name", "kind", "stage")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            family.add_metric([row["schema_name"], row["kind"], Stage(row["stage"]).name.lower()], row["n"])
        yield family
