"""Routes of the report lifecycle API, mounted under /api/v1/ on every Pemda host."""

from django.urls import path

from complaints import apis

urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="categories"),
    path("units/", apis.UnitListApi.as_view(), name="units"),
    path("reports/", apis.ReportSubmitApi.as_view(), name="report-submit"),
    path("reports/similar/", apis.SimilarReportsApi.as_view(), name="report-similar"),
    path("reports/track/<str:tracking_id>/", apis.ReportTrackApi.as_view(), name="report-track"),
    path("reports/track/<str:tracking_id>/replies/", apis.ReporterReplyApi.as_view(), name="report-reply"),
    path("reports/track/<str:tracking_id>/rating/", apis.ReporterRateApi.as_view(), name="report-rate"),
    path("reports/track/<str:tracking_id>/reopen/", apis.ReporterReopenApi.as_view(), name="report-reopen"),
    path("officer/reports/", apis.OfficerReportListApi.as_view(), name="officer-reports"),
    path("officer/reports/<int:report_id>/", apis.OfficerReportDetailApi.as_view(), name="officer-report"),
    path("officer/reports/<int:report_id>/verify/", apis.ReportVerifyApi.as_view(), name="report-verify"),
    path("officer/reports/<int:report_id>/defer/", apis.ReportDeferApi.as_view(), name="report-defer"),
    path("officer/reports/<int:report_id>/refer/", apis.ReportReferApi.as_view(), name="report-refer"),
    path("officer/reports/<int:report_id>/archive/", apis.ReportArchiveApi.as_view(), name="report-archive"),
    path("officer/reports/<int:report_id>/dispose/", apis.ReportDisposeApi.as_view(), name="report-dispose"),
    path("officer/reports/<int:report_id>/followups/", apis.ReportFollowUpApi.as_view(), name="report-followup"),
    path(
        "officer/reports/<int:report_id>/reveal-identity/",
        apis.ReportRevealIdentityApi.as_view(),
        name="report-reveal-identity",
    ),
    path(
        "officer/reports/<int:report_id>/return-referral/",
        apis.ReferralReturnApi.as_view(),
        name="report-return-referral",
    ),
    path("officer/reports/<int:report_id>/merge/", apis.ReportMergeApi.as_view(), name="report-merge"),
    path("officer/reports/<int:report_id>/duplicates/", apis.ReportDuplicatesApi.as_view(), name="report-duplicates"),
    path("officer/reports/<int:report_id>/audit/", apis.ReportAuditApi.as_view(), name="report-audit"),
    path("admin/calendar/", apis.CalendarApi.as_view(), name="calendar"),
]
