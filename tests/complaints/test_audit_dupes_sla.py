"""Audit trail integrity, duplicate handling, SLA escalation and notifications."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import InternalError
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Notification, SlaBreach
from complaints.notifications import notification_deliver
from complaints.tasks import sla_process_task, sla_scan_task
from deadlines.models import DueDeadline, Stage
from tenants.models import Pemda
from tests.complaints.conftest import Api, JakartaUnits

WIB = ZoneInfo("Asia/Jakarta")


def test_audit_rows_cannot_be_changed_and_tampering_is_detected(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    submitted = api.submit()
    report_id = api.officer_id(submitted["tracking_id"])
    api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
    with tenant_context(jakarta):
        call_command("audit_verify", schema="pemda_31")  # intact chain: no error
        event = AuditEvent.objects.filter(report_id=report_id, action="verified").get()
        # The database itself refuses edits and deletes.
        with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(actor_label="orang lain")
        with pytest.raises(InternalError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        # Someone with the power to switch the trigger off edits a row anyway: the chain tells.
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE complaints_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE complaints_auditevent SET actor_label = 'orang lain' WHERE id = %s", [event.pk])
            cursor.execute("ALTER TABLE complaints_auditevent ENABLE TRIGGER USER")
        with pytest.raises(CommandError, match="broken"):
            call_command("audit_verify", schema="pemda_31")
    from io import StringIO

    out = StringIO()
    with tenant_context(jakarta), pytest.raises(CommandError):
        call_command("audit_verify", schema="pemda_31", stdout=out)
    assert f"BROKEN at event #{event.pk}" in out.getvalue()


def test_duplicates_are_suggested_and_merging_informs_both_reporters(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    first = api.submit(
        title="Lampu jalan mati di Jalan Merdeka Barat",
        latitude="-6.175392",
        longitude="106.827153",
        reporter_email="pertama@example.id",
    )
    second = api.submit(
        title="Lampu jalan Merdeka Barat mati",
        latitude="-6.175900",
        longitude="106.827400",
        reporter_email="kedua@example.id",
    )
    unrelated = api.submit(category="sampah", title="Sampah menumpuk di pasar", text="Sampah pasar tidak diangkut.")
    first_id, second_id = api.officer_id(first["tracking_id"]), api.officer_id(second["tracking_id"])
    suggested = api.get(f"/api/v1/officer/reports/{second_id}/duplicates/", user="vera").json()
    assert [r["tracking_id"] for r in suggested] == [first["tracking_id"]]
    assert unrelated["tracking_id"] not in str(suggested)

    merged = api.post(f"/api/v1/officer/reports/{second_id}/merge/", {"into_id": first_id}, user="vera")
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged"
    # The second reporter now follows the first report's work: an answer reaches both.
    api.post(f"/api/v1/officer/reports/{first_id}/verify/", {"unit_id": units.pju.pk}, user="vera")
    api.post(f"/api/v1/officer/reports/{first_id}/followups/", {"text": "Sudah menyala.", "final": True}, user="otto")
    with tenant_context(jakarta):
        answered = Notification.objects.filter(event="answered").select_related("report")
        assert {n.report.tracking_id for n in answered} == {first["tracking_id"], second["tracking_id"]}
        assert Notification.objects.filter(event="merged", report__tracking_id=second["tracking_id"]).exists()
    public = api.get(f"/api/v1/reports/track/{second['tracking_id']}/").json()
    assert public["merged_into"] == first["tracking_id"]


def test_breach_escalates_unit_head_then_admin_then_pimpinan(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):  # Monday
        submitted = api.submit()
        report_id = api.officer_id(submitted["tracking_id"])
        api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": units.dpe.pk}, user="vera")
    # Response due end of Monday 9 Nov. Monday morning is within the last 24 h: a reminder only.
    steps = [
        (datetime(2026, 11, 9, 8, 0, tzinfo=WIB), Stage.REMINDED, None),
        (datetime(2026, 11, 10, 8, 0, tzinfo=WIB), Stage.BREACHED, 1),
        # Each level gets one more full working day before the next is told.
        (datetime(2026, 11, 12, 8, 0, tzinfo=WIB), Stage.ESCALATED_ADMIN, 2),
        (datetime(2026, 11, 16, 8, 0, tzinfo=WIB), Stage.ESCALATED_PIMPINAN, 3),
    ]
    for moment, stage, level in steps:
        with time_machine.travel(moment, tick=False):
            assert "pemda_31" in [s for s in _due_schemas()]
            with tenant_context(jakarta):
                sla_process_task.apply()
                clock = DueDeadline.objects.get(schema_name="pemda_31", report_id=report_id, kind="response")
                assert clock.stage == stage
                breach = SlaBreach.objects.filter(report_id=report_id).first()
                assert (breach.escalation_level if breach else None) == level
    with tenant_context(jakarta):
        breach = SlaBreach.objects.get(report_id=report_id)
        assert breach.unit_id == units.dpe.pk  # counts against the unit
        recipients = {
            (n.event, n.user_id)
            for n in Notification.objects.filter(report_id=report_id, event__in=["reminder", "breach"])
        }
    users = {name: user.pk for name, user in cast.items()}  # type: ignore[attr-defined]
    assert ("reminder", users["hana"]) in recipients
    assert ("breach", users["hana"]) in recipients
    assert ("breach", users["adi"]) in recipients
    assert ("breach", users["pia"]) in recipients
    # After the last step the clock asks for nothing more.
    with tenant_context(jakarta):
        clock = DueDeadline.objects.get(schema_name="pemda_31", report_id=report_id, kind="response")
        assert clock.next_action_at is None


def _due_schemas() -> list[str]:
    from django.utils import timezone

    from deadlines.selectors import schemas_with_due_actions

    connection.set_schema_to_public()
    return schemas_with_due_actions(now=timezone.now())


def test_scan_costs_one_query_whatever_the_number_of_quiet_tenants(jakarta: Pemda, bekasi: Pemda) -> None:
    from django.test.utils import CaptureQueriesContext

    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as queries:
        queued = sla_scan_task.apply().get()
    assert queued == 0
    # One read of the public index; no tenant schema is touched.
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(reads) == 1
    assert "deadlines_duedeadline" in reads[0]
    assert not any("pemda_" in q["sql"] for q in queries.captured_queries)


def test_notifications_are_queued_on_commit_and_sent_once(
    api: Api, cast: dict[str, object], jakarta: Pemda, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        submitted = api.submit(reporter_email="warga@example.id")
    assert len(callbacks) >= 1  # the send task is queued only once the report is committed
    with tenant_context(jakarta):
        notification = Notification.objects.get(report__tracking_id=submitted["tracking_id"], event="submitted")
        assert notification_deliver(notification_id=notification.pk) == "sent"
        assert notification_deliver(notification_id=notification.pk) == "nothing to do"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["warga@example.id"]
    assert submitted["tracking_id"] in mail.outbox[0].subject


def test_english_reporter_gets_english_mail(api: Api, cast: dict[str, object], jakarta: Pemda) -> None:
    response = api.post(
        "/api/v1/reports/",
        {
            "category": "banjir",
            "title": "Flooded underpass",
            "text": "The underpass is flooded knee-deep.",
            "reporter_email": "expat@example.com",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    with tenant_context(jakarta):
        notification = Notification.objects.get(report__tracking_id=response.json()["tracking_id"])
    assert notification.subject == f"Report {response.json()['tracking_id']} received"


def test_a_lost_notification_younger_than_the_sweeps_cut_off_keeps_its_clock(
    api: Api, cast: dict[str, object], jakarta: Pemda
) -> None:
    # In this test no commit happens, so no relay batch is ever published: each notification is
    # pending as if a dying broker had swallowed its batch. Only the SLA scan's sweep re-queues it.
    start = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
    with time_machine.travel(start, tick=False):
        first = api.submit(reporter_email="pertama@example.id")
    with tenant_context(jakarta):
        notification_deliver(
            notification_id=Notification.objects.get(report__tracking_id=first["tracking_id"], event="submitted").pk
        )
    with time_machine.travel(start.replace(minute=1, second=30), tick=False):
        second = api.submit(reporter_email="kedua@example.id")  # lost 90 s after the clock was set

    def sweep_at(minute: int) -> dict[str, int]:
        with time_machine.travel(start.replace(minute=minute, second=5), tick=False), tenant_context(jakarta):
            outcomes: dict[str, int] = sla_process_task.apply().get()
            return {k: v for k, v in outcomes.items() if k.startswith("notifications")}

    # At 9:02 the second is only 35 s old: not re-queued yet, and the clock stays for it.
    assert sweep_at(2) == {"notifications:0": 1}
    with tenant_context(jakarta):
        assert DueDeadline.objects.filter(schema_name="pemda_31", kind="notify").count() == 1
    # A minute later it is stale: re-queued. Once nothing is pending, the clock goes.
    assert sweep_at(3) == {"notifications:1": 1}
    with tenant_context(jakarta):
        pending = Notification.objects.get(report__tracking_id=second["tracking_id"], event="submitted")
        assert notification_deliver(notification_id=pending.pk) == "sent"
    assert sweep_at(4) == {"notifications:0": 1}
    with tenant_context(jakarta):
        assert not DueDeadline.objects.filter(schema_name="pemda_31", kind="notify").exists()
