"""Hub-only URLs: the hub's pages, the hub console (onboarding, triage, sync, K/L registry) and its API."""

from django.urls import path

from national_hub import apis, audit_views, console_pages, early_warning, league, opendata, portal
from national_hub.console import hub_console, onboarding_console
from web import console as staff
from web import errors
from web import portal as web_portal

urlpatterns = [
    path(".well-known/security.txt", errors.security_txt, name="hub-security-txt"),
    path(".well-known/lapor-audit-key.json", audit_views.audit_key, name="hub-audit-key-well-known"),
    path("api/v1/audit/key/", audit_views.audit_key, name="hub-audit-key"),
    path("api/v1/audit/checkpoints/", audit_views.audit_checkpoints, name="hub-audit-checkpoints"),
    path("api/v1/audit/checkpoints/<str:code>/", audit_views.audit_checkpoints_of, name="hub-audit-checkpoints-of"),
    path("", portal.hub_home, name="hub-home"),
    path("lapor/", portal.hub_lapor, name="hub-lapor"),
    path("lapor/terkirim/", web_portal.lapor_done, name="hub-lapor-done"),
    path("lapor/kelurahan/", web_portal.lapor_villages, name="hub-lapor-villages"),
    path("lapor/mirip/", portal.hub_lapor_similar, name="hub-lapor-similar"),
    path("lacak/", portal.hub_lacak, name="hub-lacak"),
    path("verifikasi/", audit_views.verifikasi, name="hub-verifikasi"),
    path("data/", opendata.hub_data_page, name="hub-data"),
    path("data/datapackage.json", opendata.hub_data_descriptor, name="hub-data-descriptor"),
    path("data/<slug:name>.<str:fmt>", opendata.hub_data_resource, name="hub-data-resource"),
    path("masuk/", staff.masuk, name="hub-login"),
    path("keluar/", staff.keluar, name="hub-logout"),
    path("konsol/", hub_console, name="hub-console"),
    path("konsol/onboarding/", onboarding_console, name="hub-onboarding-console"),
    path("konsol/liga/", league.league, name="hub-league"),
    path("konsol/peringatan/", early_warning.early_warning, name="hub-early-warning"),
    path("konsol/triase/", console_pages.triage_queue, name="hub-triage"),
    path("konsol/triase/<int:referral_id>/", console_pages.triage_referral, name="hub-triage-referral"),
    path("konsol/sinkronisasi/", console_pages.sync_health, name="hub-sync"),
    path("konsol/sinkronisasi/kirim-ulang/", console_pages.sync_replay, name="hub-sync-replay-page"),
    path("konsol/registri/", console_pages.registry, name="hub-registry"),
    path("konsol/registri/kl/baru/", console_pages.registry_instansi_new, name="hub-registry-kl-new"),
    path("konsol/registri/kl/<slug:code>/", console_pages.registry_instansi_edit, name="hub-registry-kl"),
    path("konsol/registri/aturan/baru/", console_pages.registry_rule_new, name="hub-registry-rule-new"),
    path("konsol/registri/aturan/<int:rule_id>/", console_pages.registry_rule_edit, name="hub-registry-rule"),
    path(
        "konsol/registri/aturan/<int:rule_id>/hapus/",
        console_pages.registry_rule_delete,
        name="hub-registry-rule-delete",
    ),
    path("api/v1/hub/onboarding/", apis.OnboardingApi.as_view(), name="hub-onboarding"),
    path("api/v1/hub/pemda/<str:code>/archive/", apis.PemdaArchiveApi.as_view(), name="hub-pemda-archive"),
    path("api/v1/hub/pemda/<str:code>/unarchive/", apis.PemdaUnarchiveApi.as_view(), name="hub-pemda-unarchive"),
    path("api/v1/hub/pemda/<str:code>/export/", apis.PemdaExportApi.as_view(), name="hub-pemda-export"),
    path("api/v1/hub/pemda/<str:code>/", apis.PemdaDeleteApi.as_view(), name="hub-pemda-delete"),
    path("api/v1/hub/referrals/", apis.HubReferralListApi.as_view(), name="hub-referrals"),
    path("api/v1/hub/referrals/<int:referral_id>/act/", apis.HubReferralActApi.as_view(), name="hub-referral-act"),
    path(
        "api/v1/hub/referrals/<int:referral_id>/route/",
        apis.HubReferralRouteApi.as_view(),
        name="hub-referral-route",
    ),
    path("api/v1/hub/sync/status/", apis.SyncStatusApi.as_view(), name="hub-sync-status"),
    path("api/v1/hub/sync/metrics/", apis.SyncMetricsApi.as_view(), name="hub-sync-metrics"),
    path("api/v1/hub/sync/dead-letters/replay/", apis.DeadLetterReplayApi.as_view(), name="hub-sync-replay"),
]
