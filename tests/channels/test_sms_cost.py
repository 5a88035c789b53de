"""What one SMS costs the database: `make bench-channels` sets the SMS webhook against the JSON
intake, and every statement of the channel's transaction is paid by each message."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from complaints.models import Report
from tenants.models import Pemda
from tests.channels.test_sms import kannel

pytestmark = pytest.mark.django_db


def test_an_sms_report_is_taken_in_a_few_statements(
    numbers: Any, jakarta: Pemda, django_assert_max_num_queries: Any
) -> None:
    assert kannel("LAPOR Trotoar amblas di depan Stasiun Cikini", sender="081200000001").status_code == 200
    # A new sender's report: one statement keeps the message and creates and locks the sender's
    # conversation; the intake's one statement files the report (a tracking ID that is taken
    # writes nothing and is drawn again, so no savepoint); one statement keeps the outcome, the
    # day's count and the reply with its sweep clock. The number's Pemda and the category come
    # from memory. 3 statements, and the savepoint of the test's own transaction; before, 11
    # (and 21 before that).
    with django_assert_max_num_queries(5):
        answer = kannel("LAPOR Saluran air tersumbat di Jalan Kramat Raya", sender="081200000002")
    assert answer.status_code == 200 and answer["X-Lapor-Outcome"] == "report"
    # The same sender again: its conversation is found and locked by the same one statement.
    with django_assert_max_num_queries(5):
        answer = kannel("LAPOR Pohon tumbang di Jalan Salemba, menutup satu lajur", sender="081200000002")
    assert answer["X-Lapor-Outcome"] == "report"
    # A gateway's retry of that message: the insert finds it kept, the first outcome is read back.
    assert kannel("LAPOR Pohon tumbang di Jalan Salemba", sender="081200000002", message_id="k-cost").status_code == 200
    with django_assert_max_num_queries(4):
        again = kannel("LAPOR Pohon tumbang di Jalan Salemba", sender="081200000002", message_id="k-cost")
    assert again.status_code == 200 and again["X-Lapor-Outcome"] == "report"
    with tenant_context(jakarta):
        assert Report.objects.count() == 4
