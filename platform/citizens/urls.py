"""Citizen accounts' routes, mounted under /api/v1/ on every Pemda host and at the hub."""

from django.urls import path

from citizens import apis

urlpatterns = [
    path("citizen/code/", apis.CitizenCodeApi.as_view(), name="citizen-code"),
    path("citizen/token/", apis.CitizenTokenApi.as_view(), name="citizen-token"),
    path("citizen/logout/", apis.CitizenLogoutApi.as_view(), name="citizen-logout"),
    path("citizen/logout-all/", apis.CitizenLogoutAllApi.as_view(), name="citizen-logout-all"),
    path("citizen/profile/", apis.CitizenProfileApi.as_view(), name="citizen-profile"),
    path("citizen/contact/", apis.CitizenContactApi.as_view(), name="citizen-contact"),
    path("me/reports/", apis.MyReportListApi.as_view(), name="my-reports"),
    path("me/reports/<str:tracking_id>/", apis.MyReportApi.as_view(), name="my-report"),
    path("me/reports/<str:tracking_id>/replies/", apis.MyReportReplyApi.as_view(), name="my-report-reply"),
    path("me/reports/<str:tracking_id>/rating/", apis.MyReportRateApi.as_view(), name="my-report-rate"),
    path("me/reports/<str:tracking_id>/reopen/", apis.MyReportReopenApi.as_view(), name="my-report-reopen"),
]
