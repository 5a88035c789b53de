"""The dashboard's "Terlambat sekarang": the reports whose first-response deadline has
passed, counted against the unit that holds the clock, until the unit answers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tenants.utils import tenant_context

from complaints.tasks import sla_process_task
from performance.selectors import overdue_now
from tenants.models import Pemda
from tests.complaints.conftest import Api, JakartaUnits

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


def _overdue(jakarta: Pemda, units: JakartaUnits, moment: datetime) -> dict[int, int]:
    with time_machine.travel(moment, tick=False), tenant_context(jakarta):
        sla_process_task.apply()  # the SLA scan's visit to this Pemda
        return dict(overdue_now([units.dpe.pk, units.dbm.pk]))


def test_a_report_is_overdue_for_the_unit_holding_its_clock_until_answered(
    api: Api, cast: object, units: JakartaUnits, jakarta: Pemda
) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):  # Monday
        report_id = api.officer_id(api.submit()["tracking_id"])
        assert api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk},
                        user="vera").status_code == 200  # fmt: skip
    # The response is due at the end of Monday 9 November: not late that morning, late the next day.
    assert _overdue(jakarta, units, datetime(2026, 11, 9, 8, 0, tzinfo=WIB)) == {}
    assert _overdue(jakarta, units, datetime(2026, 11, 10, 8, 0, tzinfo=WIB)) == {units.dpe.pk: 1}
    # Sent on to Bina Marga: a new clock there, and the old unit's lateness is no longer "now".
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=WIB), tick=False):
        assert api.post(f"/api/v1/officer/reports/{report_id}/dispose/", {"unit_id": units.dbm.pk},
                        user="vera").status_code == 200  # fmt: skip
    assert _overdue(jakarta, units, datetime(2026, 11, 11, 8, 0, tzinfo=WIB)) == {}
    assert _overdue(jakarta, units, datetime(2026, 11, 18, 8, 0, tzinfo=WIB)) == {units.dbm.pk: 1}
    with time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=WIB), tick=False):
        assert api.post(f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Sedang kami kerjakan."},
                        user="olga").status_code == 201  # fmt: skip
    assert _overdue(jakarta, units, datetime(2026, 11, 18, 10, 0, tzinfo=WIB)) == {}
