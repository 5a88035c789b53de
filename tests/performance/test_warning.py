"""Early warning: a spike is flagged once, with a sentence a person understands, to the Pemda's
pimpinan and to the hub; a weekday that is always busy is not a spike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from complaints.models import Category
from complaints.selectors import tenant_calendar
from national_hub.models import HubSpikeAlert
from performance.aggregate import stats_drain
from performance.models import AreaDayStats, SpikeAlert
from performance.warning import judge, poisson_tail
from sync.delivery import outbox_sweep
from tenants.models import Pemda
from tests.complaints.conftest import Api

pytestmark = pytest.mark.django_db


def test_a_weekday_is_judged_against_the_same_weekday() -> None:
    # Mondays bring about thirty reports every week: 34 on a Monday is an ordinary Monday.
    assert not judge(34, [28, 31, 30, 33, 29, 35, 27, 30]).spike
    # A Tuesday usually brings 3 to 8: 42 is a spike, and the range is what the sentence says.
    spike = judge(42, [3, 5, 8, 4, 6, 7, 3, 5])
    assert (spike.spike, spike.usual_low, spike.usual_high) == (True, 3, 8)
    # Below the floor nothing is flagged, however quiet the history: one flood report is news,
    # not an alarm.
    assert not judge(6, [0, 0, 0, 0, 0, 0, 0, 0]).spike
    assert poisson_tail(42, 5.1) < 1e-9 and poisson_tail(0, 5.0) == 1.0


def _history(category_id: int, today: Any, usual: list[int], *, kecamatan: str = "Gambir") -> None:
    """Eight earlier same weekdays with `usual` counts, and quieter days between (the Pemda's past)."""
    rows = [
        AreaDayStats(day=today - timedelta(weeks=k + 1), category_id=category_id, kecamatan=kecamatan, received=n)
        for k, n in enumerate(usual)
    ]
    rows += [
        AreaDayStats(day=today - timedelta(days=d), category_id=category_id, kecamatan=kecamatan, received=1)
        for d in range(1, 60)
        if d % 7
    ]
    AreaDayStats.objects.bulk_create(rows)


def _today_so_far(category_id: int, today: Any, count: int) -> None:
    AreaDayStats.objects.create(day=today, category_id=category_id, kecamatan="Gambir", received=count)


def _submit(api: Api, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        api.submit(category="banjir", title=f"Banjir setinggi lutut di gang {i}", kecamatan="Gambir")


def test_a_spike_is_flagged_once_to_the_pimpinan_and_to_the_hub(
    api: Api, cast: dict[str, User], jakarta: Pemda, hub: Pemda
) -> None:
    with tenant_context(jakarta):
        today = tenant_calendar().local_date(timezone.now())
        flood = Category.objects.get(code="banjir")
        _history(flood.pk, today, [3, 5, 8, 4, 6, 7, 3, 5])
        _today_so_far(flood.pk, today, 39)  # reports counted earlier today
    _submit(api, 3)
    with tenant_context(jakarta):
        stats_drain()
        (alert,) = SpikeAlert.objects.filter(kecamatan="")
        assert alert.count == 42 and (alert.usual_low, alert.usual_high) == (3, 8)
        # The kecamatan's own series spikes too, and says where.
        assert SpikeAlert.objects.get(kecamatan="Gambir").count == 42
    # More reports of the same flood: the same alerts, grown, and no second e-mail.
    _submit(api, 5, start=3)
    with tenant_context(jakarta):
        stats_drain()
        assert SpikeAlert.objects.count() == 2 and SpikeAlert.objects.get(kecamatan="").count == 47
    sentence = f"Laporan banjir dan drainase di {jakarta.name}: 47 hari ini, biasanya 3–8"  # noqa: RUF001
    assert len(mail.outbox) == 2 and all(m.to == ["pia@jakarta.go.id"] for m in mail.outbox)
    assert f"di {jakarta.name}: 42 hari ini, biasanya 3–8" in mail.outbox[0].subject + mail.outbox[1].subject  # noqa: RUF001

    pia = Client(HTTP_HOST="jakarta.localhost")
    pia.force_login(User.objects.get(username="pia"))
    assert sentence in pia.get("/konsol/kinerja/").content.decode()

    for _ in range(3):
        outbox_sweep()
    at_hub = HubSpikeAlert.objects.get(pemda_code="31", kecamatan="")
    assert (at_hub.count, at_hub.category_code) == (47, "banjir")
    operator = User.objects.create_user("hana-hub")
    Membership.objects.create(user=operator, tenant=hub, role=Role.HUB_OPERATOR)
    hugo = Client(HTTP_HOST="localhost")
    hugo.force_login(operator)
    page = hugo.get("/konsol/peringatan/").content.decode()
    assert sentence in page and f"Kecamatan Gambir, {jakarta.name}: 47 hari ini" in page


def test_a_busy_weekday_as_usual_is_not_flagged(api: Api, cast: dict[str, User], jakarta: Pemda) -> None:
    with tenant_context(jakarta):
        today = tenant_calendar().local_date(timezone.now())
        flood = Category.objects.get(code="banjir")
        _history(flood.pk, today, [28, 31, 30, 33, 29, 35, 27, 30])
        _today_so_far(flood.pk, today, 30)
    _submit(api, 3)
    with tenant_context(jakarta):
        stats_drain()
        assert not SpikeAlert.objects.exists()
    assert not mail.outbox
