"""Sync routes on the hub host: the signed inbox, its schema, and the hub console API."""

from django.urls import path

from sync import apis

urlpatterns = [
    path("sync/v1/inbox/", apis.InboxApi.as_view(), name="sync-inbox"),
    path("sync/v1/schema.json", apis.SchemaApi.as_view(), name="sync-schema"),
    path("api/v1/hub/referrals/", apis.HubReferralListApi.as_view(), name="hub-referrals"),
    path("api/v1/hub/referrals/<int:referral_id>/act/", apis.HubReferralActApi.as_view(), name="hub-referral-act"),
    path(
        "api/v1/hub/referrals/<int:referral_id>/route/", apis.HubReferralRouteApi.as_view(), name="hub-referral-route"
    ),
    path("api/v1/hub/sync/status/", apis.SyncStatusApi.as_view(), name="hub-sync-status"),
    path("api/v1/hub/sync/metrics/", apis.SyncMetricsApi.as_view(), name="hub-sync-metrics"),
    path("api/v1/hub/sync/dead-letters/replay/", apis.DeadLetterReplayApi.as_view(), name="hub-sync-replay"),
]
