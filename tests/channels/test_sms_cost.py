"""What one SMS costs the database: `make bench-channels` sets the SMS webhook against the JSON
intake, and every statement of the channel's transaction is paid by each message."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from channels.models import Conversation, InboundMessage, OutboundMessage
from complaints.models import Report
from deadlines.models import DueDeadline
from tenants.models import Pemda
from tests.channels.test_sms import kannel

pytestmark = pytest.mark.django_db


def test_an_sms_report_is_taken_in_a_few_statements(
    numbers: Any, jakarta: Pemda, django_assert_max_num_queries: Any
) -> None:
    assert kannel("LAPOR Trotoar amblas di depan Stasiun Cikini", sender="081200000001").status_code == 200
    # A new sender's report: one statement keeps the message and creates and locks the sender's
    # conversation; the intake's one statement files the report and, in the same statement, keeps
    # the message's outcome, the day's count and the reply with its sweep clock (so the Pemda's
    # audit-chain lock is held for the commit alone, as for a JSON report). A tracking ID that is
    # taken writes nothing and is drawn again, so there is no savepoint. The number's Pemda and
    # the category come from memory. 2 statements, and the savepoint of the test's own
    # transaction; before, 11 (and 21 before that).
    with django_assert_max_num_queries(4):
        answer = kannel("LAPOR Saluran air tersumbat di Jalan Kramat Raya", sender="081200000002")
    assert answer.status_code == 200 and answer["X-Lapor-Outcome"] == "report"
    # The same sender again: its conversation is found and locked by the same one statement.
    with django_assert_max_num_queries(4):
        answer = kannel("LAPOR Pohon tumbang di Jalan Salemba, menutup satu lajur", sender="081200000002")
    assert answer["X-Lapor-Outcome"] == "report"
    # What the intake's statement wrote besides the report: the message's outcome, the reply
    # to the report (queued, with the sweep's clock) and the number's count of the day.
    with tenant_context(jakarta):
        report = Report.objects.get(title__startswith="Pohon tumbang")
        message = InboundMessage.objects.get(report_id=report.pk)
        assert (message.outcome, message.tracking_id) == ("report", report.tracking_id)
        (reply,) = OutboundMessage.objects.filter(in_reply_to=message)
        assert reply.report_id == report.pk and f"CEK {report.tracking_id}" in reply.text
        assert reply.status == "queued" and reply.next_attempt_at is not None
        assert DueDeadline.objects.filter(schema_name="pemda_31", kind="channel").exists()
        assert Conversation.objects.get(sender_hash=message.sender_hash).window_count == 2
    # A gateway's retry of that message: the insert finds it kept, the first outcome is read back.
    assert kannel("LAPOR Pohon tumbang di Jalan Salemba", sender="081200000002", message_id="k-cost").status_code == 200
    with django_assert_max_num_queries(4):
        again = kannel("LAPOR Pohon tumbang di Jalan Salemba", sender="081200000002", message_id="k-cost")
    assert again.status_code == 200 and again["X-Lapor-Outcome"] == "report"
    with tenant_context(jakarta):
        assert Report.objects.count() == 4
