"""End to end in a real browser: a citizen, a verifikator and an SKPD officer on one Pemda's site.

Debian's Chromium driven by Playwright against gunicorn and a database of the test's own. Each
test checks what a person sees, that no page logs a JavaScript error, and (where named) that axe
finds no serious or critical accessibility violation. Screenshots land in var/screenshots/.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from django.db import connection

from tests.helpers import database_url
from tests.sync.federation import wait_for
from tests.two_factor import code_for
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
        # Named after this run's test database, so two runs on one server never share a site.
        name = f"{connection.settings_dict['NAME']}_browser"
    with running_site(base, name, ["31", "32", "32.75"]) as running:
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


# The authenticator keys of the officers of this module's site, learnt when each enrolled (their
# first sign-in goes through enrolment, as a newcomer's does).
KEYS: dict[str, str] = {}


def _fresh_step(site: Site, username: str) -> None:
    # A code works once per 30 s step and these tests sign a person in more often: forget the last
    # step used, as if the previous sign-in were half a minute ago (tests.two_factor.otp_code).
    conn = psycopg2.connect(site.deployment.database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE otp_totp_totpdevice SET last_t = -1, throttling_failure_count = 0"
                " WHERE user_id = (SELECT id FROM auth_user WHERE username = %s)",
                (username,),
            )
    finally:
        conn.close()


def _second_step(page: Any, site: Site, username: str) -> None:
    """After the password: enrol the authenticator (first time) or type its code."""
    page.wait_for_url(re.compile(r"/masuk/(verifikasi|aktifkan-verifikasi)/$"))
    if page.url.endswith("/aktifkan-verifikasi/"):
        secret = page.locator("code.secret").first.inner_text().replace(" ", "")
        KEYS[username] = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
        page.get_by_label("Kode dari aplikasi").fill(code_for(KEYS[username]))
        page.get_by_role("button", name="Aktifkan dan masuk").click()
        page.get_by_role("link", name="Saya sudah menyimpannya, lanjutkan").click()
    else:
        _fresh_step(site, username)
        page.get_by_label("Kode verifikasi").fill(code_for(KEYS[username]))
        page.get_by_role("button", name="Masuk", exact=True).click()


def _password_step(page: Any, site: Site, username: str) -> None:
    page.goto(site.url(JAKARTA, "/masuk/"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()


def _sign_in(browser: Any, site: Site, username: str) -> Any:
    page = _page(browser, site)
    _password_step(page, site, username)
    _second_step(page, site, username)
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
    for path in ("/konsol/antrean/", "/konsol/kotak-masuk/", "/konsol/keamanan/"):
        officer.goto(site.url(JAKARTA, path))
        screenshot(officer, "page" + path.replace("/", "_"))
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
    _second_step(officer, site, "verif3275")
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


def _seed_two_units(site: Site) -> dict[str, int]:
    """Dinas SDA with 30 answers (20 on time), Bina Marga with 19 (all on time) and one still open,
    a pimpinan; returns the open report's id. Through the API, then the late ones made late."""
    deployment = site.deployment
    deployment.manage("shell", "-c", _SEED_UNITS)
    units = dict(deployment.query("SELECT code, id FROM pemda_31.agencies_unit WHERE code IN ('DBM', 'SDA')"))
    ids: dict[str, list[int]] = {"DBM": [], "SDA": []}
    for code, count in (("DBM", 20), ("SDA", 30)):
        for i in range(count):
            status, made = deployment.call("POST", "/api/v1/reports/", host=JAKARTA, body={
                "type": "pengaduan", "category": "banjir", "title": f"Genangan di jalan {code} nomor {i}",
                "text": "Air menggenang setinggi mata kaki sejak pagi dan tidak surut.", "privacy": "public",
            })  # fmt: skip
            assert status == 201, made
            (row,) = deployment.query(
                "SELECT id FROM pemda_31.complaints_report WHERE tracking_id = %s", (made["tracking_id"],)
            )
            status, _ = deployment.call(
                "POST", f"/api/v1/officer/reports/{row[0]}/verify/", host=JAKARTA, user="verif31",
                body={"unit_id": units[code]},
            )  # fmt: skip
            assert status == 200
            ids[code].append(row[0])
    for code, officer in (("DBM", "petugas31"), ("SDA", "petugassda")):
        answered = ids[code][:-1] if code == "DBM" else ids[code]
        for report_id in answered:
            status, _ = deployment.call(
                "POST", f"/api/v1/officer/reports/{report_id}/followups/", host=JAKARTA, user=officer,
                body={"text": "Saluran sudah dibersihkan dan air surut.", "final": True},
            )  # fmt: skip
            assert status == 201
    # Ten of SDA's answers came after their deadline.
    conn = psycopg2.connect(deployment.database_url)
    with conn, conn.cursor() as cursor:
        cursor.execute(
            "UPDATE pemda_31.complaints_report SET response_due_at = first_response_at - interval '1 hour'"
            " WHERE id IN %s",
            (tuple(ids["SDA"][:10]),),
        )
    conn.close()
    deployment.manage("performance_rebuild", "--schema", "pemda_31")
    return {"open": ids["DBM"][-1]}


_SEED_UNITS = """
from django.contrib.auth.models import User
from django_tenants.utils import tenant_context
from accounts.models import Membership, Role
from agencies.services import unit_ensure
from tenants.models import Pemda
jakarta = Pemda.objects.get(code="31")
with tenant_context(jakarta):
    sda = unit_ensure(code="SDA", name="Dinas Sumber Daya Air", kind="dinas")
for name, role, unit in (("petugassda", Role.UNIT_OFFICER, sda.pk), ("pimpinan31", Role.PIMPINAN, None)):
    user = User.objects.filter(username=name).first() or User.objects.create_user(name, password="sandi-uji-123")
    Membership.objects.get_or_create(user=user, tenant=jakarta, role=role, unit_id=unit)
"""


def test_a_unit_that_answers_moves_up_the_pimpinans_ranking_within_a_minute(browser: Any, site: Site) -> None:
    seeded = _seed_two_units(site)
    site.deployment.worker()  # drains the figures the relay queues after each change
    pimpinan = _sign_in(browser, site, "pimpinan31")
    assert pimpinan.url.endswith("/konsol/kinerja/")
    ranking = pimpinan.locator("table.ranking")
    sda = ranking.locator("tr", has_text="Dinas Sumber Daya Air")
    dbm = ranking.locator("tr", has_text="Dinas Bina Marga")
    assert sda.get_attribute("data-rank") == "1"
    assert dbm.get_attribute("data-rank") is None and "data belum cukup" in dbm.inner_text()
    assert audit(pimpinan) == []
    screenshot(pimpinan, "20-kinerja-sebelum")

    # Bina Marga answers its open report, on time, from its console.
    officer = _sign_in(browser, site, "petugas31")
    officer.goto(site.url(JAKARTA, f"/konsol/laporan/{seeded['open']}/"))
    officer.get_by_label("Tindak lanjut").fill("Gorong-gorong sudah dikuras; genangan hilang.")
    officer.get_by_label(re.compile("Ini jawaban akhir")).check()
    officer.get_by_role("button", name="Kirim tanggapan").click()
    assert "Tanggapan terkirim ke pelapor." in officer.locator(".messages").inner_text()
    answered = time.monotonic()

    # Its twentieth answer, all on time: now judged, and first, above SDA's 20 of 30.
    while time.monotonic() - answered < 60:
        pimpinan.reload()
        if pimpinan.locator("table.ranking tr", has_text="Dinas Bina Marga").get_attribute("data-rank") == "1":
            break
        time.sleep(1)
    assert dbm.get_attribute("data-rank") == "1", "the dashboard did not count the answer within 60 s"
    assert sda.get_attribute("data-rank") == "2"
    screenshot(pimpinan, "21-kinerja-sesudah")
    pimpinan.set_viewport_size({"width": 390, "height": 844})
    screenshot(pimpinan, "22-kinerja-phone")


HUB = "localhost"
HUB_OPERATOR = """
from django.contrib.auth.models import User
from accounts.models import Membership, Role
from tenants.models import Pemda, PemdaKind
user = User.objects.filter(username="ops").first() or User.objects.create_user("ops", password="sandi-uji-123")
Membership.objects.get_or_create(user=user, tenant=Pemda.objects.get(kind=PemdaKind.HUB), role=Role.HUB_OPERATOR)
"""
# A message Jakarta already received, marked dead: replaying it is harmless (its inbox acknowledges
# a second delivery of the same id), so the page has a dead letter to show and to replay.
DEAD_LETTER = """
from sync.models import OutboxMessage
m = OutboxMessage.objects.filter(status="delivered", recipient="31").order_by("created_at").first()
OutboxMessage.objects.filter(pk=m.pk).update(status="dead", attempts=8, last_error="HTTPError 503: Service Unavailable")
"""


def _into_triage(site: Site, title: str) -> None:
    """A Jakarta report referred to a receiver nobody knows, delivered to the hub's triage queue."""
    deployment = site.deployment
    body = {"type": "pengaduan", "category": "pelayanan-publik", "title": title, "privacy": "public"}
    status, report = deployment.call(
        "POST", "/api/v1/reports/", host=JAKARTA, body={**body, "text": f"{title}: tidak jelas harus ke mana."}
    )
    assert status == 201, report
    _status, found = deployment.call(
        "GET", f"/api/v1/officer/reports/?q={report['tracking_id']}", host=JAKARTA, user="verif31"
    )
    report_id = found["results"][0]["id"]
    status, referred = deployment.call(
        "POST",
        f"/api/v1/officer/reports/{report_id}/refer/",
        host=JAKARTA,
        body={"reason": "Bukan wewenang DKI", "target_code": "99.99"},
        user="verif31",
    )
    assert status == 200, referred
    wait_for(
        lambda: deployment.query("SELECT 1 FROM sync_hubreferral WHERE title = %s AND status = 'triage'", (title,)),
        timeout=30,
        what="the referral in the hub's triage queue",
    )


def test_a_hub_operator_routes_a_referral_out_of_triage(browser: Any, site: Site) -> None:
    site.deployment.manage("shell", "-c", HUB_OPERATOR)
    _into_triage(site, "Pelayanan kantor kelurahan tidak jelas")
    page = _page(browser, site)
    page.goto(site.url(HUB, "/konsol/triase/"))
    page.get_by_label("Nama pengguna").fill("ops")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    _second_step(page, site, "ops")
    page.wait_for_url("**/konsol/triase/")
    screenshot(page, "11-hub-triase")
    found = {"/konsol/triase/": audit(page)}

    page.get_by_role("link", name="Pelayanan kantor kelurahan tidak jelas").click()
    assert "tidak jelas harus ke mana" in page.locator("main").inner_text()
    page.get_by_label("Kode tujuan").fill("00.00")
    page.get_by_role("button", name="Arahkan", exact=True).click()
    assert "Tujuan 00.00 tidak dikenal hub." in page.locator("#error-summary").inner_text()
    assert page.get_by_label("Kode tujuan").get_attribute("aria-invalid") == "true"
    screenshot(page, "12-hub-triase-salah")
    found["/konsol/triase/<id>/ (400)"] = audit(page)
    page.get_by_label("Kode tujuan").fill("32.75")
    page.get_by_role("button", name="Arahkan", exact=True).click()
    page.wait_for_url("**/konsol/triase/")
    assert "diarahkan ke Kota Bekasi" in page.locator(".messages").inner_text()

    site.deployment.manage("shell", "-c", DEAD_LETTER)
    page.get_by_role("link", name="Sinkronisasi").click()
    assert "HTTPError 503: Service Unavailable" in page.locator("#gagal ~ .table-scroll").inner_text()
    screenshot(page, "13-hub-sinkronisasi")
    found["/konsol/sinkronisasi/"] = audit(page)
    page.get_by_role("button", name="Kirim ulang semua (1)").click()
    assert "1 pesan gagal dimasukkan lagi ke antrean kirim." in page.locator(".messages").inner_text()

    for name, path in (
        ("14-hub-registri", "/konsol/registri/"),
        ("15-hub-registri-kl", "/konsol/registri/kl/kemensos/"),
        ("16-hub-registri-aturan", "/konsol/registri/aturan/baru/"),
        ("17-hub-konsol", "/konsol/"),
    ):
        page.goto(site.url(HUB, path))
        screenshot(page, name)
        found[path] = audit(page)
    assert {path: v for path, v in found.items() if v} == {}

    # On a phone the same pages stay readable: the tables turn into labelled rows.
    phone = _page(browser, site, phone=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(site.url(HUB, "/konsol/triase/"))
    assert "Kota Bekasi" in phone.locator("main").inner_text()
    screenshot(phone, "18-hub-triase-phone")


def test_the_open_data_page_is_found_from_the_footer_and_leads_to_each_file(browser: Any, site: Site) -> None:
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/"))
    page.get_by_role("link", name="Data terbuka").click()
    page.wait_for_url("**/data/")
    assert page.locator("h1").inner_text() == "Data terbuka"
    page.locator("details summary").first.click()
    assert page.get_by_role("cell", name="kecamatan_kode").is_visible() is False  # other tables stay folded
    screenshot(page, "30-data-terbuka")
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
    screenshot(phone, "31-data-terbuka-hub-phone")


NEWCOMER = """
from django.contrib.auth.models import User
from accounts.models import Membership, Role
from tenants.models import Pemda
user = User.objects.filter(username="baru31").first() or User.objects.create_user("baru31", password="sandi-uji-123")
Membership.objects.get_or_create(user=user, tenant=Pemda.objects.get(code="31"), role=Role.VERIFIKATOR)
"""


def test_a_newcomer_enrols_an_authenticator_then_signs_in_with_its_code(browser: Any, site: Site) -> None:
    site.deployment.manage("shell", "-c", NEWCOMER)
    page = _page(browser, site)
    page.goto(site.url(JAKARTA, "/konsol/antrean/"))
    page.get_by_label("Nama pengguna").fill("baru31")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/masuk/aktifkan-verifikasi/")
    # The QR code is drawn by the server (inline SVG); the secret is there as text for typing.
    assert page.locator("figure.qr svg").count() == 1
    screenshot(page, "30-aktifkan-verifikasi")
    found = {"/masuk/aktifkan-verifikasi/": audit(page)}
    secret = page.locator("code.secret").first.inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()

    # A code typed wrong is explained next to the field; the right one enables it.
    page.get_by_label("Kode dari aplikasi").fill("000000")
    page.get_by_role("button", name="Aktifkan dan masuk").click()
    assert "Kode tidak cocok" in page.locator("#error-summary").inner_text()
    assert page.get_by_label("Kode dari aplikasi").get_attribute("aria-invalid") == "true"
    found["/masuk/aktifkan-verifikasi/ (400)"] = audit(page)
    time.sleep(2)  # django-otp's pause after a wrong code
    page.get_by_label("Kode dari aplikasi").fill(code_for(key))
    page.get_by_role("button", name="Aktifkan dan masuk").click()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    screenshot(page, "31-kode-pemulihan")
    found["recovery codes"] = audit(page)
    page.get_by_role("link", name="Saya sudah menyimpannya, lanjutkan").click()
    page.wait_for_url("**/konsol/antrean/")

    # Another day, another browser: password, then the code of the app.
    _fresh_step(site, "baru31")
    later = _page(browser, site, phone=True)
    _password_step(later, site, "baru31")
    later.wait_for_url("**/masuk/verifikasi/")
    screenshot(later, "32-kode-verifikasi-phone")
    found["/masuk/verifikasi/"] = audit(later)
    later.get_by_label("Kode verifikasi").fill(code_for(key))
    later.get_by_role("button", name="Masuk", exact=True).click()
    later.wait_for_url("**/konsol/**")
    assert "Antrean verifikasi" in later.locator("main").inner_text() or later.url.endswith("/konsol/antrean/")
    assert {path: v for path, v in found.items() if v} == {}


ADMIN = """
from django.contrib.auth.models import User
from accounts.models import Membership, Role
from tenants.models import Pemda
user = User.objects.filter(username="admin31").first() or User.objects.create_user("admin31", password="sandi-uji-123")
Membership.objects.get_or_create(user=user, tenant=Pemda.objects.get(code="31"), role=Role.TENANT_ADMIN)
"""


def test_an_admin_resets_a_lost_authenticator_and_the_officer_enrols_a_new_phone(browser: Any, site: Site) -> None:
    site.deployment.manage("shell", "-c", ADMIN)
    officer = _sign_in(browser, site, "petugas31")  # enrolled by now, whatever ran before
    admin = _sign_in(browser, site, "admin31")
    admin.goto(site.url(JAKARTA, "/konsol/admin/petugas/"))
    row = admin.locator("table.list").last.locator("tr", has_text="petugas31")
    assert "terpasang" in row.inner_text()
    found = {"/konsol/admin/petugas/": audit(admin)}
    admin.get_by_label("Petugas", exact=True).select_option(label="petugas31")
    _fresh_step(site, "admin31")
    admin.get_by_label("Kode verifikasi Anda").fill(code_for(KEYS["admin31"]))
    admin.get_by_role("button", name="Atur ulang autentikator").click()
    admin.wait_for_url("**/konsol/admin/petugas/")
    assert "Autentikator petugas31 diatur ulang" in admin.locator("main").inner_text()
    assert "belum dipasang" in row.inner_text()
    screenshot(admin, "40-admin-atur-ulang-autentikator")
    found["/konsol/admin/petugas/ (reset)"] = audit(admin)

    # The officer's open session has lost its second factor; the next sign-in enrols a new phone.
    officer.goto(site.url(JAKARTA, "/konsol/kotak-masuk/"))
    officer.wait_for_url("**/masuk/**")
    again = _page(browser, site, phone=True)
    _password_step(again, site, "petugas31")
    again.wait_for_url("**/masuk/aktifkan-verifikasi/")
    _second_step(again, site, "petugas31")
    again.wait_for_url("**/konsol/**")
    again.goto(site.url(JAKARTA, "/konsol/keamanan/"))
    assert "Tersisa 10 kode pemulihan" in again.locator("main").inner_text()
    screenshot(again, "41-keamanan-akun-phone")
    found["/konsol/keamanan/ (phone)"] = audit(again)
    assert {path: v for path, v in found.items() if v} == {}
