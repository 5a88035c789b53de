"""Officer search and filters, and the API's published schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from tests.complaints.conftest import Api, JakartaUnits

WIB = ZoneInfo("Asia/Jakarta")


def _ids(api: Api, query: str, user: str = "vera") -> set[str]:
    response = api.get(f"/api/v1/officer/reports/?{query}", user=user)
    assert response.status_code == 200, response.content
    return {r["tracking_id"] for r in response.json()["results"]}


def test_filters_by_status_category_unit_overdue_date_and_text(
    api: Api, cast: dict[str, object], units: JakartaUnits
) -> None:
    with time_machine.travel(datetime(2026, 10, 1, 9, 0, tzinfo=WIB), tick=False):
        old_flood = api.submit(category="banjir", title="Genangan di underpass Kemayoran", text="Air setinggi lutut.")
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):
        lamp = api.submit()
        road = api.submit(
            category="jalan", title="Aspal mengelupas di Jalan Gatot Subroto", text="Berbahaya untuk motor."
        )
        api.post(
            f"/api/v1/officer/reports/{api.officer_id(lamp['tracking_id'])}/verify/",
            {"unit_id": units.pju.pk},
            user="vera",
        )
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=WIB), tick=False):
        assert _ids(api, "status=disposed") == {lamp["tracking_id"]}
        assert _ids(api, "status=submitted") == {old_flood["tracking_id"], road["tracking_id"]}
        assert _ids(api, "category=banjir") == {old_flood["tracking_id"]}
        assert _ids(api, f"unit={units.dpe.pk}") == {lamp["tracking_id"]}  # DPE includes its sections
        assert _ids(api, f"unit={units.dbm.pk}") == set()
        # Verification was due 5 Nov (road) and 6 Oct (flood); the lamp's response was due 9 Nov.
        assert _ids(api, "overdue=true") == {old_flood["tracking_id"], road["tracking_id"], lamp["tracking_id"]}
        assert _ids(api, "submitted_from=2026-11-01T00:00:00%2B07:00") == {lamp["tracking_id"], road["tracking_id"]}
        assert _ids(api, "q=gatot") == {road["tracking_id"]}
        assert _ids(api, "q=underpass") == {old_flood["tracking_id"]}
        # Otto's list is his section's work only, whatever he filters for.
        assert _ids(api, "status=submitted", user="otto") == set()
        assert _ids(api, "", user="otto") == {lamp["tracking_id"]}


def test_openapi_schema_documents_the_report_api(api: Api) -> None:
    response = api.get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in (
        "/api/v1/reports/",
        "/api/v1/officer/reports/{report_id}/verify/",
        "/api/v1/reports/track/{tracking_id}/",
    ):
        assert path in body


def test_text_search_is_a_literal_substring_served_by_the_trigram_indexes(
    api: Api, cast: dict[str, object], jakarta: Any, units: JakartaUnits
) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from complaints.filters import ReportFilter
    from complaints.models import Report

    lamp = api.submit(title="Lampu jalan mati di Jalan Merdeka", text="Sudah seminggu gelap total.")
    promo = api.submit(category="pelayanan-publik", title="Diskon 50% untuk_pelanggan", text="Spanduk promo liar.")
    assert _ids(api, "q=MERDEKA") == {lamp["tracking_id"]}
    assert _ids(api, "q=minggu gel") == {lamp["tracking_id"]}  # inside words, across a space
    assert _ids(api, "q=50%25") == {promo["tracking_id"]}  # % and _ are literal, not wildcards
    assert _ids(api, "q=k_n") == set()
    assert _ids(api, "q=" + lamp["tracking_id"].lower().replace("-", "")) == {lamp["tracking_id"]}
    # Verified, a report leaves the queue for the trigram indexes and is found all the same.
    verified = api.post(
        f"/api/v1/officer/reports/{api.officer_id(lamp['tracking_id'])}/verify/", {"unit_id": units.pju.pk}, user="vera"
    )
    assert verified.status_code == 200, verified.content
    assert _ids(api, "q=MERDEKA") == {lamp["tracking_id"]}
    assert _ids(api, "q=diskon") == {promo["tracking_id"]}
    # What PostgreSQL would do on a table too big to scan: use the trigram indexes.
    with tenant_context(jakarta), connection.cursor() as cursor:
        queryset = ReportFilter({"q": "lampu"}, queryset=Report.objects.all()).qs
        sql, params = queryset.query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "report_title_trgm" in plan and "report_text_trgm" in plan, plan
    assert "report_status_time" in plan, plan  # the verification queue's share of the search


def test_unit_and_merge_lookups_use_indexes_that_intake_never_writes(
    api: Api, cast: dict[str, object], jakarta: Any
) -> None:
    """The unit and merged-into indexes leave out rows with no unit / not merged (every new
    report), yet an officer's subtree list and a merge's reporter lookup are served by them."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from complaints.models import Report

    api.submit()
    with tenant_context(jakarta), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for name, queryset in {
            "report_unit_time": Report.objects.filter(unit__path__startswith="1.").order_by("-submitted_at"),
            "report_merged_into": Report.objects.filter(merged_into=1),
        }.items():
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    for name, plan in plans.items():
        assert name in plan, plan
