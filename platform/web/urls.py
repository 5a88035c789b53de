"""Pages of a Pemda host: the citizen portal and the officer console."""

from django.urls import path

from web import administration, console, dashboard, errors, files, history, portal
from web.opendata import views as opendata

urlpatterns = [
    path(".well-known/security.txt", errors.security_txt, name="web-security-txt"),
    path("", portal.home, name="web-home"),
    path("lapor/", portal.lapor, name="web-lapor"),
    path("lapor/terkirim/", portal.lapor_done, name="web-lapor-done"),
    path("lapor/kelurahan/", portal.lapor_villages, name="web-lapor-villages"),
    path("lapor/mirip/", portal.lapor_similar, name="web-lapor-similar"),
    path("lacak/", portal.lacak, name="web-lacak"),
    path("lacak/<str:tracking_id>/", portal.lacak_detail, name="web-lacak-detail"),
    path("lacak/<str:tracking_id>/riwayat/", history.lacak_riwayat, name="web-lacak-riwayat"),
    path("lacak/<str:tracking_id>/<str:action>/", portal.lacak_act, name="web-lacak-act"),
    path("api/v1/audit/reports/<str:tracking_id>/chain/", history.report_chain_json, name="web-audit-chain"),
    path("pantau/", portal.pantau, name="web-pantau"),
    path("data/", opendata.data_page, name="web-data"),
    path("data/datapackage.json", opendata.data_descriptor, name="web-data-descriptor"),
    path("data/<slug:name>.<str:fmt>", opendata.data_resource, name="web-data-resource"),
    path("lampiran/<int:attachment_id>/", files.attachment, name="web-attachment"),
    path("masuk/", console.masuk, name="web-login"),
    path("keluar/", console.keluar, name="web-logout"),
    path("konsol/", console.konsol, name="web-console"),
    path("konsol/sandi/", console.sandi, name="web-password"),
    path("konsol/keamanan/", console.keamanan, name="web-security"),
    path("konsol/antrean/", console.antrean, name="web-queue"),
    path("konsol/kotak-masuk/", console.kotak_masuk, name="web-inbox"),
    path("konsol/kotak-masuk/disposisi/", console.kotak_masuk_disposisi, name="web-inbox-dispose"),
    path("konsol/kinerja/", dashboard.kinerja, name="web-kinerja"),
    path("konsol/laporan/", console.laporan_list, name="web-report-list"),
    path("konsol/laporan/<int:report_id>/", console.laporan, name="web-report"),
    path("konsol/laporan/<int:report_id>/<str:action>/", console.laporan_aksi, name="web-report-act"),
    path("konsol/admin/unit/", administration.units, name="web-admin-units"),
    path("konsol/admin/petugas/", administration.officers, name="web-admin-officers"),
    path("konsol/admin/kalender/", administration.calendar, name="web-admin-calendar"),
    path("konsol/admin/open311/", administration.open311_keys, name="web-admin-open311"),
]
