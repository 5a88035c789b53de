"""A report filed at the hub: the place decides which Pemda holds it, a national matter is referred on.

The citizen at the national door need not know who is responsible. The kabupaten/kota of the
place (else its province, when the kabupaten/kota has not joined yet) receives the report through
the same intake service as its own site; a report in a national category (complaints.seed's
NATIONAL_CATEGORIES) is referred on at once, so the hub routes it to its ministry or institution
by category. Either way the citizen keeps the one tracking ID the Pemda gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from complaints.audit import Actor
from complaints.seed import NATIONAL_CATEGORIES
from complaints.services import Submission, report_refer
from national_hub.models import HubFiling
from tenants.models import Pemda, PemdaKind, PemdaStatus
from web.portal import lapor_submit

_NATIONAL = frozenset(code for code, _name, _en in NATIONAL_CATEGORIES)


def responsible_pemda(*, region_code: str) -> Pemda | None:
    """The live Pemda that answers for a place: its kabupaten/kota, else its province."""
    parts = region_code.split(".")
    candidates = [".".join(parts[:2]), parts[0]] if len(parts) > 1 else [parts[0]]
    live = {
        p.code: p
        for p in Pemda.objects.filter(code__in=candidates, status=PemdaStatus.LIVE).exclude(kind=PemdaKind.HUB)
    }
    return next((live[c] for c in candidates if c in live), None)


def is_national(category_code: str) -> bool:
    return category_code in _NATIONAL


@dataclass(frozen=True)
class Filed:
    pemda: Pemda
    submission: Submission
    national: bool


def hub_report_file(*, pemda: Pemda, data: dict[str, Any]) -> Filed:
    """File validated report data with `pemda` (validated in its schema) and record where it went."""
    national = is_national(data["category"].code)
    with tenant_context(pemda):
        submission = lapor_submit(data)
        if national:
            # Filed and referred in two steps: a failed referral leaves a report the verifikator
            # refers by hand, never a lost one.
            with transaction.atomic():
                report_refer(
                    report=submission.report,
                    actor=Actor(user_id=None, label="hub"),
                    reason=_("Urusan pemerintah pusat, diajukan lewat hub nasional."),
                )
    HubFiling.objects.create(
        tracking_id=submission.report.tracking_id, pemda=pemda, national=national, created_at=timezone.now()
    )
    return Filed(pemda=pemda, submission=submission, national=national)


def hub_filing_find(*, tracking_id: str) -> HubFiling | None:
    return HubFiling.objects.select_related("pemda").filter(tracking_id=tracking_id).order_by("-id").first()
