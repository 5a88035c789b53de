"""A citizen who reported by SMS or WhatsApp signs in to the app with the same phone number: those
reports, at every Pemda, join "my reports" and are followed there; later ones join as they are
filed. Another number's reports never do, nor those of a time the number may have had another
holder, and an e-mail sign-in brings none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from citizens.models import Citizen, CitizenReport
from citizens.services import citizen_channel_reports_link
from citizens.tasks import citizen_channel_reports_task
from complaints.models import Report
from tenants.models import Pemda
from tests.channels.conftest import numbers  # noqa: F401 - fixture
from tests.channels.test_sms import kannel
from tests.citizens.conftest import BEKASI, JABAR, App

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("numbers")]
SITI_SMS = "081234567890"  # as her operator's SMSC writes the number she signs in with
OTHER = "081298765432"


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The task a sign-in queues, run as the worker would once the sign-in commits."""
    ran: list[int] = []

    def run(citizen_id: int) -> None:
        ran.append(citizen_id)
        citizen_channel_reports_task.apply(args=[citizen_id])

    monkeypatch.setattr(citizen_channel_reports_task, "delay", run)
    return ran


def test_reports_my_number_filed_by_sms_join_my_reports_when_i_sign_in_with_it(
    app: App, jakarta: Pemda, bekasi: Pemda, worker: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    kannel("LAPOR Lampu jalan di depan SDN 03 Gambir mati sejak Senin", sender=SITI_SMS)
    kannel("LAPOR Kota Bekasi: Jembatan di Jalan Ahmad Yani retak", sender=SITI_SMS, to="1708")
    kannel("LAPOR Saluran air di Jalan Kebon Sirih tersumbat sampah", sender=OTHER)
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        # From the same number 100 days ago: it may have had another holder then; never linked.
        kannel("LAPOR Trotoar di Jalan Sabang dipakai berjualan", sender=SITI_SMS)
    with tenant_context(jakarta):
        in_jakarta = Report.objects.get(text__contains="Gambir").tracking_id
    with tenant_context(bekasi):
        in_bekasi = Report.objects.get().tracking_id

    with django_capture_on_commit_callbacks(execute=True):
        app.sign_in_by_phone()
    citizen = Citizen.objects.get()
    assert worker == [citizen.pk]
    mine = {(r["tracking_id"], r["pemda"]["code"]) for r in app.my_reports(host=JABAR)}
    assert mine == {(in_jakarta, "31"), (in_bekasi, "32.75")}
    # Followed without a token, like a report filed in the app (an SMS report is anonim: its
    # reporter is the citizen's own number, shown to nobody else).
    seen = app.get(f"/api/v1/me/reports/{in_jakarta}/", host=BEKASI)
    assert seen.status_code == 200 and seen.json()["privacy"] == "anonim_rahasia", seen.content

    # Signing in again finds nothing new; nothing is linked twice.
    assert citizen_channel_reports_link(citizen_id=citizen.pk) == 0
    # Filed after the account exists: in "my reports" at once, at the Pemda's number and at 1708.
    kannel("LAPOR Trotoar amblas di depan Stasiun Cikini", sender=SITI_SMS)
    kannel("LAPOR Kota Bekasi: Lampu taman padam di Alun-alun Bekasi", sender=SITI_SMS, to="1708")
    kannel("LAPOR Pohon tumbang di Jalan Salemba", sender=OTHER)
    assert CitizenReport.objects.filter(citizen=citizen).count() == 4
    titles = {r["title"] for r in app.my_reports(host=JABAR)}
    assert "Trotoar amblas di depan Stasiun Cikini" in titles and "Lampu taman padam di Alun-alun Bekasi" in titles
    assert not any("Kebon Sirih" in t or "Salemba" in t or "Sabang" in t for t in titles)

    # 91 days without proving the number again: what it files no longer joins the account (the
    # number may have passed to someone else); a sign-in by phone proves it anew.
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        kannel("LAPOR Halte bus di Jalan Thamrin rusak berat", sender=SITI_SMS)
    assert CitizenReport.objects.filter(citizen=citizen).count() == 4


def test_an_email_account_gets_no_reports_of_a_phone_it_has_not_proven(
    app: App, jakarta: Pemda, worker: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    kannel("LAPOR Lampu jalan di depan SDN 03 Gambir mati sejak Senin", sender=SITI_SMS)
    with django_capture_on_commit_callbacks(execute=True):
        app.sign_in_by_email()
    assert worker == [] and app.my_reports() == []
    assert citizen_channel_reports_link(citizen_id=Citizen.objects.get().pk) == 0
