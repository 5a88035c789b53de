"""The officer console: log in, verify from the queue, answer from the unit inbox, internal notes.

Through the test client with sessions and CSRF, as a browser without JavaScript.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from complaints.models import InternalNote, Report, Status
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db
HOST = "jakarta.localhost"


def _logged_in(username: str) -> Client:
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    staff_sign_in(client, username, f"{username}-pass-123")
    return client


def _post(client: Client, path: str, data: dict[str, Any]) -> Any:
    page = client.get(path.rsplit("/", 2)[0] + "/") if "/konsol/laporan/" in path else client.get("/konsol/")
    token = client.cookies["csrftoken"].value
    assert page is not None
    return client.post(path, {"csrfmiddlewaretoken": token, **data})


def test_a_login_page_of_its_own_and_a_stranger_is_refused(cast: Any, bekasi: Pemda) -> None:
    client = Client(HTTP_HOST=HOST)
    assert client.get("/konsol/")["Location"].startswith("/masuk/?next=")
    refused = client.post("/masuk/", {"username": "vera", "password": "salah"})
    assert refused.status_code == 400 and "salah" in refused.content.decode()
    # Vera works in Jakarta: on Bekasi's host she is nobody.
    bekasi = Client(HTTP_HOST="bekasi.localhost")
    assert bekasi.post("/masuk/", {"username": "vera", "password": "vera-pass-123"}).status_code == 400


def test_verifikator_verifies_from_the_queue_and_the_unit_answers_from_its_inbox(
    api: Api, cast: Any, units: Any, jakarta: Pemda
) -> None:
    submitted = api.submit(title="Lampu jalan mati di Jalan Merdeka Barat")
    vera = _logged_in("vera")
    queue = vera.get("/konsol/antrean/").content.decode()
    assert "Lampu jalan mati di Jalan Merdeka Barat" in queue and "sisa" in queue
    with tenant_context(jakarta):
        report = Report.objects.get(tracking_id=submitted["tracking_id"])
    page = vera.get(f"/konsol/laporan/{report.pk}/").content.decode()
    assert "Siti Aminah" in page  # a public report: the verifikator sees who to answer
    verified = _post(vera, f"/konsol/laporan/{report.pk}/verifikasi/", {"unit_id": units.pju.pk, "title": report.title,
                     "category": "lampu-jalan", "note": "Segera"})  # fmt: skip
    assert verified.status_code == 302

    otto = _logged_in("otto")
    inbox = otto.get("/konsol/kotak-masuk/").content.decode()
    assert submitted["tracking_id"] in inbox
    noted = _post(otto, f"/konsol/laporan/{report.pk}/catatan/", {"text": "Cek gardu dulu sebelum menjawab."})
    answered = _post(otto, f"/konsol/laporan/{report.pk}/tanggapi/", {"text": "Lampu sudah diganti.", "final": "true"})
    assert noted.status_code == answered.status_code == 302
    with tenant_context(jakarta):
        report.refresh_from_db()
        assert report.status == Status.ANSWERED
        assert InternalNote.objects.filter(report=report).count() == 1
    # The citizen reads the answer; the internal note never reaches them or the public.
    public = Client(HTTP_HOST=HOST).get(f"/lacak/{submitted['tracking_id']}/").content.decode()
    assert "Lampu sudah diganti." in public and "Cek gardu" not in public
    assert "Seksi Penerangan Jalan Umum" in public  # who handles it, by name


def test_an_officer_outside_the_unit_cannot_open_or_act_on_the_report(api: Api, cast: Any, units: Any) -> None:
    submitted = api.submit()
    report_id = api.officer_id(submitted["tracking_id"])
    api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.pju.pk}, user="vera")
    olga = _logged_in("olga")  # Bina Marga, not street lighting
    assert olga.get(f"/konsol/laporan/{report_id}/").status_code == 404
    assert _post(olga, f"/konsol/laporan/{report_id}/tanggapi/", {"text": "x"}).status_code == 404
    assert olga.get("/konsol/antrean/").status_code == 403


def test_a_wrong_decision_is_explained_and_nothing_changes(api: Api, cast: Any, jakarta: Pemda) -> None:
    submitted = api.submit()
    report_id = api.officer_id(submitted["tracking_id"])
    vera = _logged_in("vera")
    refused = _post(vera, f"/konsol/laporan/{report_id}/arsip/", {"reason": ""})
    assert refused.status_code == 400
    assert "error-summary" in refused.content.decode()
    with tenant_context(jakarta):
        assert Report.objects.get(pk=report_id).status == Status.SUBMITTED
