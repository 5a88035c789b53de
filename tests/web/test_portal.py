"""The citizen portal of a Pemda host: a report filed in a browser form, followed, browsed.

Requests go through the test client with the real middleware (sessions, CSRF checks on), as a
browser without JavaScript would send them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from complaints.models import Report, Status
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db

HOST = "jakarta.localhost"
FORM = {
    "type": "pengaduan",
    "category": "lampu-jalan",
    "title": "Lampu jalan mati di Jalan Kebon Sirih",
    "text": "Sudah dua minggu lampu di depan nomor 40 mati, malam hari gelap sekali.",
    "kecamatan": "31.71.01",
    "kelurahan_nama": "kel. Kebon Kelapa",
    "privacy": "anonim",
    "reporter_email": "warga@example.id",
}


def _browser() -> Client:
    return Client(HTTP_HOST=HOST, enforce_csrf_checks=True)


def _post_form(client: Client, path: str, data: dict[str, Any]) -> Any:
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.content.decode())
    extra = {"form_id": form_id.group(1)} if form_id else {}
    return client.post(path, {"csrfmiddlewaretoken": token, **extra, **data})


def test_a_citizen_files_a_report_and_gets_a_tracking_id_and_a_private_link(jakarta: Pemda) -> None:
    browser = _browser()
    sent = _post_form(browser, "/lapor/", FORM)
    assert sent.status_code == 302 and sent["Location"] == "/lapor/terkirim/"
    done = browser.get("/lapor/terkirim/").content.decode()
    tracking_id = re.search(r'id="tracking-id">([^<]+)<', done).group(1)
    link = re.search(r'id="secret-link" href="([^"]+)"', done).group(1)
    assert "kunci=" in link and tracking_id in link
    with tenant_context(jakarta):
        report = Report.objects.get(tracking_id=tracking_id)
        # The place was typed without JavaScript and matched against the official list.
        assert (report.kecamatan, report.kelurahan, report.region_code) == ("Gambir", "Kebon Kelapa", "31.71.01.1005")
        assert report.channel == "web" and report.privacy == "anonim"
    # The private link opens the reporter's page, with the actions only the reporter has.
    mine = browser.get(link.replace("http://jakarta.localhost", ""))
    assert mine.status_code == 200
    assert "Balas atau tambahkan keterangan" in mine.content.decode()


def test_the_same_form_sent_twice_files_one_report(jakarta: Pemda) -> None:
    browser = _browser()
    page = browser.get("/lapor/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    for _ in range(2):
        assert browser.post("/lapor/", {"csrfmiddlewaretoken": token, "form_id": form_id, **FORM}).status_code == 302
    with tenant_context(jakarta):
        assert Report.objects.filter(title=FORM["title"]).count() == 1


def test_bad_input_keeps_what_was_typed_and_names_each_field_in_the_visitors_language(jakarta: Pemda) -> None:
    browser = _browser()
    bad = {**FORM, "title": "Lam", "reporter_email": "bukan-surel", "kelurahan_nama": "Kebon Kelpa"}
    page = _post_form(browser, "/lapor/", bad)
    html = page.content.decode()
    assert page.status_code == 400
    assert 'href="#f-title"' in html and 'href="#f-reporter_email"' in html  # the summary links to the fields
    assert 'aria-invalid="true"' in html and 'value="Lam"' in html
    assert "Mungkin maksud Anda: Kebon Kelapa" in html
    with tenant_context(jakarta):
        assert not Report.objects.filter(text=FORM["text"]).exists()
    browser.cookies["django_language"] = "en"
    english = _post_form(browser, "/lapor/", bad).content.decode()
    assert "Ensure this field has at least 5 characters" in english


def test_a_form_without_its_csrf_token_is_refused(jakarta: Pemda) -> None:
    assert _browser().post("/lapor/", FORM).status_code == 403


def test_a_mistyped_or_unknown_tracking_id_says_so_without_revealing_a_rahasia_report(api: Api, jakarta: Pemda) -> None:
    rahasia = api.submit(privacy="rahasia")
    browser = _browser()
    assert browser.get("/lacak/?id=ABCD").status_code == 400
    unknown = browser.get("/lacak/ZZZZ-ZZZZZ/")
    hidden = browser.get(f"/lacak/{rahasia['tracking_id']}/")
    # The same answer for both: nobody learns that a rahasia report exists.
    assert unknown.status_code == hidden.status_code == 404
    assert "Halaman tidak ditemukan" in hidden.content.decode()
    # Its reporter, with the key, reads it.
    mine = browser.get(f"/lacak/{rahasia['tracking_id']}/?kunci={rahasia['reporter_token']}")
    assert mine.status_code == 200


def test_pantau_lists_verified_public_reports_never_rahasia_or_unverified(
    api: Api, cast: Any, jakarta: Pemda, units: Any
) -> None:
    shown = api.submit(title="Trotoar rusak di Jalan Sabang", privacy="anonim")
    hidden = api.submit(title="Pungli di kantor kelurahan", privacy="rahasia")
    waiting = api.submit(title="Got mampet di Jalan Jaksa")
    for submitted in (shown, hidden):
        report_id = api.officer_id(submitted["tracking_id"])
        assert (
            api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dbm.pk}, user="vera").status_code
            == 200
        )
    html = _browser().get("/pantau/").content.decode()
    assert "Trotoar rusak di Jalan Sabang" in html
    assert "Pungli di kantor kelurahan" not in html and "Got mampet" not in html
    assert "Siti Aminah" not in html  # the cast's reporter name, never shown
    assert "Trotoar" in _browser().get("/pantau/?q=trotoar").content.decode()
    assert waiting


def test_pantau_pages_by_the_last_report_seen(api: Api, cast: Any, jakarta: Pemda, units: Any) -> None:
    with tenant_context(jakarta):
        for i in range(23):
            submitted = api.submit(title=f"Jalan berlubang nomor {i:02d}", privacy="public")
            Report.objects.filter(tracking_id=submitted["tracking_id"]).update(status=Status.DISPOSED)
    first = _browser().get("/pantau/").content.decode()
    assert first.count("Jalan berlubang nomor") == 20
    next_link = re.search(r'href="/pantau/\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = _browser().get(f"/pantau/?{next_link}").content.decode()
    assert second.count("Jalan berlubang nomor") == 3
    assert "nomor 00" in second and "nomor 22" in first


def test_an_officers_attachment_link_opens_and_a_rahasia_one_is_not_public(api: Api, cast: Any, jakarta: Pemda) -> None:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "JPEG")
    image.seek(0)
    image.name = "foto.jpg"
    response = api.post_multipart(
        "/api/v1/reports/",
        {"category": "jalan", "title": "Foto jalan rusak", "text": "Lihat foto terlampir ini ya.", "privacy": "rahasia",
         "attachments": [image]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    report_id = api.officer_id(response.json()["tracking_id"])
    detail = api.get(f"/api/v1/officer/reports/{report_id}/", user="vera").json()
    url = detail["attachments"][0]["url"]
    assert url.startswith("/lampiran/")
    officer = Client(HTTP_HOST=HOST)
    staff_sign_in(officer, "vera", "vera-pass-123")
    opened = officer.get(url)
    assert opened.status_code == 200 and opened["Content-Type"] == "image/jpeg"
    assert _browser().get(url).status_code == 404  # rahasia: not for the public


def test_a_wrongly_typed_upload_is_refused_with_the_reason_and_nothing_is_stored(jakarta: Pemda) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    browser = _browser()
    page = browser.get("/lapor/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fake = SimpleUploadedFile("foto.jpg", b"bukan gambar sama sekali, hanya teks", content_type="image/jpeg")
    sent = browser.post("/lapor/", {"csrfmiddlewaretoken": token, **FORM, "attachments": fake})
    assert sent.status_code == 400
    assert 'href="#f-attachments"' in sent.content.decode()
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()
