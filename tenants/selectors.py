"""Reads of the tenant registry: onboarding state of all 552 Pemda, and working days of one."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tenants.calendar import WorkingCalendar
from tenants.models import Pemda, PemdaKind, PemdaStatus, WorkCalendar
from tenants.regions import Region, regions_all


class OnboardingState:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    LIVE = "live"
    ARCHIVED = "archived"

    LABELS = {
        NOT_STARTED: _("belum dimulai"),
        IN_PROGRESS: _("sedang disiapkan"),
        LIVE: _("aktif"),
        ARCHIVED: _("diarsipkan"),
    }
    ORDER = (NOT_STARTED, IN_PROGRESS, LIVE, ARCHIVED)


_STATE_OF_STATUS = {
    PemdaStatus.PROVISIONING: OnboardingState.IN_PROGRESS,
    PemdaStatus.LIVE: OnboardingState.LIVE,
    PemdaStatus.ARCHIVED: OnboardingState.ARCHIVED,
}


@dataclass(frozen=True)
class PemdaOnboardingRow:
    region: Region
    state: str
    domain: str | None
    pemda_id: int | None

    @property
    def state_label(self) -> str:
        return str(OnboardingState.LABELS[self.state])


def pemda_onboarding_list(*, province: str | None = None, state: str | None = None) -> list[PemdaOnboardingRow]:
    """Every Pemda of the region data with its onboarding state (two queries for all 552)."""
    registered = {
        p.code: p for p in Pemda.objects.exclude(kind=PemdaKind.HUB).only("id", "code", "status", "schema_name")
    }
    from tenants.models import Domain

    primary = dict(
        Domain.objects.filter(is_primary=True, tenant__in=[p.id for p in registered.values()]).values_list(
            "tenant_id", "domain"
        )
    )
    rows = []
    for region in regions_all():
        if province and region.code != province and region.province_code != province:
            continue
        pemda = registered.get(region.code)
        row_state = OnboardingState.NOT_STARTED if pemda is None else _STATE_OF_STATUS[PemdaStatus(pemda.status)]
        if state and row_state != state:
            continue
        rows.append(
            PemdaOnboardingRow(
                region=region,
                state=row_state,
                domain=primary.get(pemda.id) if pemda else None,
                pemda_id=pemda.id if pemda else None,
            )
        )
    return rows


def pemda_onboarding_counts(*, rows: list[PemdaOnboardingRow]) -> dict[str, int]:
    counts = Counter(r.state for r in rows)
    return {s: counts.get(s, 0) for s in OnboardingState.ORDER}


def calendar_is_working_day(*, calendar: WorkCalendar, day: dt.date) -> bool:
    """Whether `day` is a working day under this Pemda's calendar settings (tenants.calendar rules)."""
    return WorkingCalendar.for_pemda(timezone=calendar.pemda.timezone, settings=calendar).is_working_day(day)
