"""End to end in a real browser: a citizen, a verifikator and an SKPD officer on one Pemda's site.

Debian's Chromium driven by Playwright against gunicorn and a database of the test's own. Each
test checks what a person sees, that no page logs a JavaScript error, and (where named) that axe
finds no serious or critical accessibility violation. Screenshots land in var/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.helpers import database_url
from tests.web.browser import PASSWORD, Site, audit, browser_or_skip, chromium, running_site, screenshot, watch_console

# No django_db: these tests reach the database only through the site they drive (Playwright runs
# an event loop in this thread while the browser is open, which Django refuses DB calls from).
pytestmark = [pytest.mark.slow, pytest.mark.browser]

JAKARTA = "jakarta.localhost"


@pytest.fixture(scope="module")
def site(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Site]:
    browser_or_skip()
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
    with running_site(base, "lapor_test_browser", ["31", "32", "32.75"]) as running:
        yield running


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(autouse=True)
def _no_console_errors(site: Site) -> Iterator[None]:
    site.console_errors.clear()
    yield
    assert site.console_errors == []


def _page(browser: Any, site: Site, *, phone: bool = False, language: str = "id-ID") -> Any:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale=language, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    watch_console(page, site.console_errors)
    return page


def _file_report(page: Any, site: Site, title: str, *, privacy: str = "public") -> tuple[str, str]:
    page.goto(site.url(JAKARTA, "/lapor/"))
    page.get_by_label("Kategori").select_option("jalan")
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Isi laporan").fill("Lubang besar sejak tiga minggu, sudah dua pengendara motor jatuh di sini.")
    page.get_by_label("Kecamatan").select_option("31.71.01")
    # htmx replaces the typed village name with the official list of the chosen kecamatan.
    page.locator("select#f-kelurahan").wait_for()
    page.get_by_label("Kelurahan/desa").select_option(label="Cideng")
    page.get_by_label("Alamat atau patokan").fill("Jalan Cideng Barat depan nomor 12")
    page.locator(f"input[name=privacy][value={privacy}]").check()
    page.get_by_label("Nama (tidak wajib)").fill("Siti Aminah")
    page.get_by_label("Surel (untuk kabar perkembangan)").fill("siti@example.id")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/lapor/terkirim/")
    tracking_id = page.locator("#tracking-id").inner_text().strip()
    link = page.locator("#secret-link").get_attribute("href")
    return tracking_id, link


def _sign_in(browser: Any, site: Site, username: str) -> Any:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/masuk/"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/konsol/**")
    return page


def test_a_report_walks_from_the_citizen_to_the_answer_and_back(browser: Any, site: Site) -> None:
    citizen = _page(browser, site, phone=True)
    tracking_id, link = _file_report(citizen, site, "Jalan berlubang di Cideng Barat")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z*~$=]{5}", tracking_id)
    assert "kunci=" in link
    screenshot(citizen, "01-lapor-terkirim-phone")

    # The verifikator finds it in the queue with its deadline and disposes it to Bina Marga.
    verifikator = _sign_in(browser, site, "verif31")
    verifikator.goto(site.url(JAKARTA, "/konsol/antrean/"))
    row = verifikator.locator("tr", has_text="Jalan berlubang di Cideng Barat")
    assert "sisa" in row.inner_text()
    screenshot(verifikator, "02-antrean")
    row.get_by_role("link").click()
    verifikator.get_by_label("Unit SKPD tujuan").select_option(label="Dinas Bina Marga")
    screenshot(verifikator, "03-laporan-verifikator")
    verifikator.get_by_role("button", name="Verifikasi dan disposisikan").click()
    verifikator.wait_for_url("**/konsol/antrean/")
    assert "Laporan diverifikasi dan didisposisikan." in verifikator.locator(".messages").inner_text()

    # The unit officer answers from the inbox, with a final answer.
    officer = _sign_in(browser, site, "petugas31")
    officer.goto(site.url(JAKARTA, "/konsol/kotak-masuk/"))
    officer.get_by_role("link", name="Jalan berlubang di Cideng Barat").click()
    officer.get_by_label("Catatan internal", exact=True).fill("Koordinasi dengan UPT Jalan Jakpus.")
    officer.get_by_role("button", name="Simpan catatan").click()
    officer.get_by_label("Tindak lanjut").fill("Lubang sudah ditambal oleh UPT Jalan pada hari Senin.")
    officer.get_by_label(re.compile("Ini jawaban akhir")).check()
    officer.get_by_role("button", name="Kirim tanggapan").click()
    assert "Tanggapan terkirim ke pelapor." in officer.locator(".messages").inner_text()
    screenshot(officer, "04-laporan-unit")

    # The citizen reads it through the private link, rates it, then reopens it.
    citizen.goto(link)
    body = citizen.locator("main").inner_text()
    assert "Lubang sudah ditambal oleh UPT Jalan pada hari Senin." in body
    assert "Dinas Bina Marga" in citizen.locator("#handler").inner_text()
    assert "Koordinasi dengan UPT" not in body  # internal notes never reach the citizen
    screenshot(citizen, "05-lacak-pelapor-phone")
    citizen.get_by_label(re.compile("^4")).check()
    citizen.get_by_role("button", name="Kirim penilaian").click()
    assert "Terima kasih atas penilaian Anda." in citizen.locator(".messages").inner_text()
    citizen.get_by_label("Mengapa belum selesai?").fill("Lubangnya muncul lagi setelah hujan deras semalam.")
    citizen.get_by_role("button", name="Buka kembali laporan").click()
    assert "Didisposisikan" in citizen.locator("main").inner_text()

    # Anyone may follow it by tracking ID, without the reporter's name.
    public = _page(browser, site)
    public.goto(site.url(JAKARTA, "/lacak/"))
    public.get_by_label("Nomor pelacakan").fill(tracking_id.lower().replace("-", ""))
    public.get_by_role("button", name="Lacak").click()
    assert tracking_id in public.locator("main").inner_text()
    assert "Siti Aminah" not in public.content()


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus: proof that a keyboard user reaches it, in order."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never took the focus")


def test_a_citizen_files_a_report_with_the_keyboard_alone(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/lapor/"))
    _tab_to(page, "a.skip")  # the first stop skips the navigation
    page.keyboard.press("Enter")
    _tab_to(page, "input[name=type]")
    page.keyboard.press("ArrowDown")  # aspirasi
    _tab_to(page, "#f-category")
    page.keyboard.type("Sampah")  # a select follows typed letters
    _tab_to(page, "#f-title")
    page.keyboard.type("Usul tempat sampah terpilah di taman")
    _tab_to(page, "#f-text")
    page.keyboard.type("Mohon disediakan tempat sampah organik dan anorganik di Taman Suropati.")
    _tab_to(page, "main form.stack button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/lapor/terkirim/")
    assert page.locator("#tracking-id").inner_text().strip()


def test_bad_input_is_explained_next_to_each_field_and_kept(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/lapor/"))
    page.get_by_label("Judul").fill("Rusak")
    page.get_by_label("Surel (untuk kabar perkembangan)").fill("bukan-surel")
    page.get_by_role("button", name="Kirim laporan").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_label("Judul").input_value() == "Rusak"
    assert page.get_by_label("Isi laporan").get_attribute("aria-invalid") == "true"
    screenshot(page, "06-lapor-salah")
    assert audit(page) == []


def test_the_language_switch_turns_the_site_to_english_and_back(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/lapor/"))
    page.get_by_label("Bahasa").select_option("en")
    page.get_by_role("button", name="Ganti").click()
    assert page.locator("h1").inner_text() == "Write a report"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Category").is_visible()
    screenshot(page, "07-lapor-english")
    page.get_by_label("Language").select_option("id")
    page.get_by_role("button", name="Change").click()
    assert page.locator("h1").inner_text() == "Tulis laporan"


MAIN_PAGES = [
    (JAKARTA, "/"),
    (JAKARTA, "/lapor/"),
    (JAKARTA, "/lacak/"),
    (JAKARTA, "/pantau/"),
    (JAKARTA, "/masuk/"),
    (JAKARTA, "/lacak/ZZZZ-ZZZZZ/"),
    (JAKARTA, "/data/"),
    ("localhost", "/"),
    ("localhost", "/lapor/"),
    ("localhost", "/lapor/?wilayah=32.75"),
    ("localhost", "/lacak/"),
    ("localhost", "/data/"),
]


def test_the_main_pages_have_no_serious_accessibility_violations(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    found: dict[str, list[str]] = {}
    for host, path in MAIN_PAGES:
        page.goto(site.url(host, path))
        screenshot(page, f"page-{host.split('.')[0]}" + re.sub(r"[/?=]", "_", path))
        found[host + path] = audit(page)
    _tracking_id, link = _file_report(page, site, "Trotoar rusak di depan sekolah")
    found["/lapor/terkirim/"] = audit(page)
    page.goto(link)
    found["/lacak/<id>/?kunci="] = audit(page)
    officer = _sign_in(browser, site, "verif31")
    for path in ("/konsol/antrean/", "/konsol/kotak-masuk/"):
        officer.goto(site.url(JAKARTA, path))
        found[path] = audit(officer)
    officer.goto(site.url(JAKARTA, "/konsol/antrean/"))
    officer.get_by_role("link", name="Trotoar rusak di depan sekolah").click()
    found["/konsol/laporan/<id>/"] = audit(officer)
    assert {path: v for path, v in found.items() if v} == {}


def test_a_report_filed_at_the_hub_about_kota_bekasi_reaches_bekasis_queue(browser: Any, site: Site) -> None:
    citizen = _page(browser, site)
    citizen.goto(site.url("localhost", "/"))
    screenshot(citizen, "08-hub-home")
    citizen.get_by_role("link", name="Lapor", exact=True).first.click()
    citizen.get_by_label("Kabupaten/kota").select_option(label="Kota Bekasi")
    citizen.get_by_role("button", name="Lanjut").click()
    citizen.get_by_label("Kategori").select_option("jalan")
    citizen.get_by_label("Judul").fill("Jembatan retak di Kali Bekasi")
    citizen.get_by_label("Isi laporan").fill("Retakan memanjang di jembatan dekat pasar, truk masih lewat tiap hari.")
    citizen.get_by_role("button", name="Kirim laporan").click()
    citizen.wait_for_url("**/lapor/terkirim/")
    tracking_id = citizen.locator("#tracking-id").inner_text().strip()
    link = citizen.locator("#secret-link").get_attribute("href")
    assert link.startswith(f"http://bekasi.localhost:{site.port}/lacak/{tracking_id}/")

    officer = _page(browser, site)
    officer.goto(site.url("bekasi.localhost", "/masuk/"))
    officer.get_by_label("Nama pengguna").fill("verif3275")
    officer.get_by_label("Kata sandi").fill(PASSWORD)
    officer.get_by_role("button", name="Masuk", exact=True).click()
    officer.wait_for_url("**/konsol/**")
    assert "Jembatan retak di Kali Bekasi" in officer.locator("main").inner_text()

    citizen.goto(link)
    assert "Kota Bekasi" in citizen.locator("#handler").inner_text()
    citizen.goto(site.url("localhost", "/lacak/"))
    citizen.get_by_label("Nomor pelacakan").fill(tracking_id)
    citizen.get_by_role("button", name="Lacak").click()
    citizen.wait_for_url(f"**bekasi.localhost**/lacak/{tracking_id}/")
    screenshot(citizen, "09-hub-to-bekasi-timeline")


def test_the_api_docs_render_from_the_apps_own_assets(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url(JAKARTA, "/api/docs/"))
    page.locator(".swagger-ui .info").wait_for()
    assert "LAPOR! Federation API" in page.locator(".swagger-ui .info").inner_text()
    # Swagger UI itself comes from drf-spectacular-sidecar, served here: no CDN at run time.
    assert [url for url in requested if not url.startswith(f"http://{JAKARTA}:{site.port}/")] == []
    screenshot(page, "10-api-docs")


def test_the_open_data_page_is_found_from_the_footer_and_leads_to_each_file(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/"))
    page.get_by_role("link", name="Data terbuka").click()
    page.wait_for_url("**/data/")
    assert page.locator("h1").inner_text() == "Data terbuka"
    page.locator("details summary").first.click()
    assert page.get_by_role("cell", name="kecamatan_kode").is_visible() is False  # other tables stay folded
    screenshot(page, "11-data-terbuka")
    assert audit(page) == []
    href = page.get_by_role("link", name=re.compile("^CSV")).first.get_attribute("href")
    # Fetched by the page itself (Chromium resolves *.localhost; Playwright's own client does not).
    text = page.evaluate("href => fetch(href).then(answer => answer.ok ? answer.text() : answer.status)", href)
    assert str(text).startswith("bulan,kategori_kode,kategori,diterima,")
    page.goto(site.url(JAKARTA, "/data/?dari=2026-13"))
    assert "Bulan 2026-13 tidak sah" in page.locator(".error-summary").inner_text()
    phone = _page(browser, site, phone=True)
    phone.goto(site.url("localhost", "/data/"))
    assert "Laporan nasional per kategori per bulan" in phone.locator("main").inner_text()
    screenshot(phone, "12-data-terbuka-hub-phone")
