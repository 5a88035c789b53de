"""What a citizen sees of their reports across every Pemda.

The list is one query on the public link table (`CitizenReport`), newest first, 20 to a page,
paged by cursor. Each report's status and last update are then read where the report lives, in
its Pemda's schema, for that page only: one query per Pemda on the page (at most 20, usually one
or two), never a loop or UNION over all Pemda.

Why read the status there instead of keeping a copy in the link: the report's state changes in
many places (officers, the SLA scan's auto-close, referral updates arriving through sync, a
Pemda's own deployment), and a copy would have to be updated by every one of them, in their
transactions, forever; a missed path would show the citizen a wrong status with nothing to
notice it. Read for one bounded page, the status is always the Pemda's own, at the cost of a
few indexed primary-key lookups. The price is that the list cannot be filtered by status.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django_tenants.utils import tenant_context

from citizens.models import CitizenReport
from complaints.models import Report

PAGE_SIZE = 20


@dataclass(frozen=True)
class MyReport:
    link: CitizenReport
    report: Report | None  # None: not found in its Pemda (should not happen; shown, not hidden)

    @property
    def last_update_at(self) -> datetime:
        if self.report is None:
            return self.link.created_at
        r = self.report
        moments = [
            r.submitted_at,
            r.verified_at,
            r.disposed_at,
            r.first_response_at,
            r.answered_at,
            r.closed_at,
            getattr(r, "last_followup_at", None),
        ]
        return max(m for m in moments if m is not None)


def my_reports_with_status(*, links: list[CitizenReport]) -> list[MyReport]:
    """The page's links with each report as its Pemda holds it now (links need `tenant` loaded)."""
    by_tenant: dict[int, list[CitizenReport]] = defaultdict(list)
    for link in links:
        by_tenant[link.tenant_id].append(link)
    found: dict[tuple[int, int], Report] = {}
    for tenant_links in by_tenant.values():
        tenant = tenant_links[0].tenant
        with tenant_context(tenant):
            reports = (
                Report.objects.filter(pk__in=[link.report_id for link in tenant_links])
                .select_related("category")
                .annotate(last_followup_at=Max("followups__created_at"))
            )
            for report in reports:
                found[(tenant.pk, report.pk)] = report
    return [MyReport(link=link, report=found.get((link.tenant_id, link.report_id))) for link in links]
