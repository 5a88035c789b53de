"""Load one of the caller's own reports, in its Pemda, and check it is theirs in the same step.

A report is the citizen's when their account holds its link; anyone else's, or one that does not
exist, is the same 404, so the answer tells nothing about other people's reports. The report is
then read (or locked for a change) in its own Pemda's schema, whichever host the request came to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from rest_framework.exceptions import NotFound, ValidationError

from citizens.models import Citizen, CitizenReport
from complaints.models import Report
from complaints.tracking import tracking_id_normalize
from lapor.errors import AccessDenied
from tenants.models import Pemda, PemdaKind, PemdaStatus


def access_pemda(*, code: str, host_tenant: Pemda) -> Pemda:
    """The Pemda named by its Kemendagri code, or this host's own when none is named."""
    if not code:
        if host_tenant.kind == PemdaKind.HUB:
            raise ValidationError({"pemda": [_("Sebutkan kode Pemda tempat laporan dikirim.")]})
        return host_tenant
    pemda = Pemda.objects.exclude(kind=PemdaKind.HUB).filter(code=code.strip()).first()
    if pemda is None or pemda.status == PemdaStatus.PROVISIONING:
        raise ValidationError({"pemda": [_("Pemda dengan kode %(code)s tidak dikenal.") % {"code": code}]})
    return pemda


def access_my_link(*, citizen: Citizen, tracking_id: str, pemda: str = "") -> CitizenReport:
    normalized = tracking_id_normalize(tracking_id)
    links = CitizenReport.objects.select_related("tenant").filter(citizen=citizen, tracking_id=normalized or "")
    if pemda:
        links = links.filter(tenant__code=pemda)
    found = list(links[:2]) if normalized else []
    if not found:
        raise NotFound(_("Laporan ini tidak ada di akun Anda."))
    if len(found) > 1:
        # Tracking IDs are unique within one Pemda; two of one citizen's Pemda may (rarely) share one.
        raise ValidationError({"pemda": [_("Nomor ini ada di lebih dari satu Pemda; sebutkan kode Pemdanya.")]})
    return found[0]


@contextmanager
def my_report(*, link: CitizenReport, for_update: bool = False) -> Iterator[Report]:
    """The linked report inside its Pemda's schema (locked, in a transaction, when `for_update`)."""
    with tenant_context(link.tenant):
        if not for_update:
            yield _load(link, for_update=False)
            return
        if link.tenant.status == PemdaStatus.ARCHIVED:
            raise AccessDenied(_("Pemda ini sudah diarsipkan: laporannya hanya dapat dibaca."))
        with transaction.atomic():
            yield _load(link, for_update=True)


def _load(link: CitizenReport, *, for_update: bool) -> Report:
    reports = Report.objects.select_related("category", "unit", "merged_into").prefetch_related("followups")
    if for_update:
        reports = reports.select_for_update(of=("self",))
    report = reports.filter(pk=link.report_id).first()
    if report is None:
        raise NotFound(_("Laporan ini tidak ada di akun Anda."))
    return report
