"""The aggregates follow the reports: drained from the audit trail, equal to a rebuild from scratch,
and sent to the hub, whose league table sums them without reading any Pemda's schema."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from national_hub.models import PemdaStatsMonth
from performance.aggregate import stats_drain
from performance.models import AreaDayStats, ReportFact, UnitMonthHistogram, UnitMonthStats, UnitWeekStats
from sync.delivery import outbox_sweep
from tenants.models import Pemda
from tests.complaints.conftest import Api

pytestmark = pytest.mark.django_db


def _figures() -> dict[str, Any]:
    return {
        "month": sorted(UnitMonthStats.objects.values_list(
            "unit_id", "category_id", "month", "received", "verified", "verified_on_time", "disposed", "first_n",
            "first_on_time", "answered", "completed", "reopened", "rating_sum", "rating_n", "breaches", "open")),
        "hist": sorted(UnitMonthHistogram.objects.filter(count__gt=0).values_list("unit_id", "month", "measure",
                                                                                  "bucket", "count")),
        "week": sorted(UnitWeekStats.objects.values_list("unit_id", "week", "received", "first_n", "first_on_time",
                                                         "answered")),
        "area": sorted(AreaDayStats.objects.filter(received__gt=0).values_list("day", "category_id", "kecamatan",
                                                                                "received")),
        "facts": sorted(ReportFact.objects.values_list()),
    }  # fmt: skip


def _work(api: Api, units: Any) -> list[str]:
    """Five reports: two answered by street lighting (one rated, then reopened), one by Bina Marga,
    one still open there, one awaiting verification."""
    submitted = [api.submit(title=f"Lampu jalan mati nomor {i}") for i in range(5)]
    ids = [api.officer_id(s["tracking_id"]) for s in submitted]
    for report_id, unit in zip(ids[:4], [units.pju, units.pju, units.dbm, units.dbm], strict=True):
        assert (
            api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": unit.pk}, user="vera").status_code
            == 200
        )
    for report_id, user in ((ids[0], "otto"), (ids[1], "otto"), (ids[2], "olga")):
        done = api.post(f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Sudah diperbaiki.", "final": True},
                        user=user)  # fmt: skip
        assert done.status_code == 201
    track = f"/api/v1/reports/track/{submitted[0]['tracking_id']}"
    token = {"HTTP_X_REPORTER_TOKEN": submitted[0]["reporter_token"]}
    assert api.post(f"{track}/rating/", {"rating": 2}, **token).status_code == 200
    assert api.post(f"{track}/reopen/", {"reason": "Mati lagi malam ini."}, **token).status_code == 200
    return [s["tracking_id"] for s in submitted]


def test_the_drain_counts_what_happened_and_a_rebuild_gives_the_same_figures(
    api: Api, cast: Any, units: Any, jakarta: Pemda
) -> None:
    _work(api, units)
    with tenant_context(jakarta):
        assert stats_drain() > 0
        drained = _figures()
        pju = [row for row in drained["month"] if row[0] == units.pju.pk]
        received = sum(row[3] for row in pju)
        first_n, reopened, rating_n = sum(r[7] for r in pju), sum(r[11] for r in pju), sum(r[13] for r in pju)
        # Two reports went to street lighting; both were answered, one was rated, then reopened
        # (which takes its answer back: it counts as reopened, and open again).
        assert (received, first_n, reopened, rating_n) == (2, 1, 1, 0)
        assert sum(row[3] for row in drained["month"]) == 5  # every report received, the queue's too
        assert stats_drain() == 0  # nothing new: nothing to take
        assert sum(row[3] for row in drained["area"]) == 5
    out = io.StringIO()
    call_command("performance_rebuild", schema=jakarta.schema_name, stdout=out)
    assert "5 reports counted" in out.getvalue()
    with tenant_context(jakarta):
        assert _figures() == drained


def test_the_hub_league_table_receives_the_pemdas_totals_through_sync(
    api: Api, cast: Any, units: Any, jakarta: Pemda
) -> None:
    _work(api, units)
    with tenant_context(jakarta):
        stats_drain()
    for _ in range(3):
        outbox_sweep()
    (month,) = PemdaStatsMonth.objects.filter(pemda_code="31")
    assert (month.received, month.disposed) == (5, 4)
    assert month.categories["lampu-jalan"]["received"] == 5
    assert sum(month.first_hist.values()) == month.first_n
