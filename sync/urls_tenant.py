"""Sync routes on a Pemda host."""

from django.urls import path

from sync import apis

urlpatterns = [
    path(
        "officer/reports/<int:report_id>/return-referral/",
        apis.ReferralReturnApi.as_view(),
        name="report-return-referral",
    ),
]
