"""Messages out: a failing provider is retried with back-off, a refusal is final, the sweep sends
what a lost task left behind, a delivery report is recorded, and raw messages expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from channels.models import InboundMessage, OutboundMessage, OutboundStatus
from channels.outbound import SendError, outbound_queue, outbound_send, outbound_sweep
from channels.retention import inbound_purge
from deadlines.models import DeadlineKind, DueDeadline
from tenants.models import Pemda
from tests.channels.conftest import KEY
from tests.channels.test_sms import kannel

pytestmark = pytest.mark.django_db
calls: list[dict[str, str]] = []


def flaky_sender(**kwargs: str) -> list[str]:
    calls.append(kwargs)
    if kwargs["text"].startswith("refused"):
        raise SendError("kannel 403: Authorization failed", permanent=True)
    if len(calls) < 3:
        raise SendError("kannel unreachable: connection refused")
    return ["0: Accepted for delivery"]


@pytest.fixture
def flaky(settings: Any) -> None:
    calls.clear()
    settings.LAPOR_CHANNEL_SENDERS = {**settings.LAPOR_CHANNEL_SENDERS, "kannel": f"{__name__}.flaky_sender"}


def test_a_failing_provider_is_retried_with_back_off_and_a_refusal_is_final(
    numbers: Any, jakarta: Pemda, flaky: None
) -> None:
    with tenant_context(jakarta):
        message = outbound_queue(provider="kannel", address="1708", recipient="+6281234567890", text="Laporan diterima")
        assert outbound_send(outbound_id=message.pk) == "retrying"
        message.refresh_from_db()
        first_wait = message.next_attempt_at - timezone.now()
        assert (message.status, message.attempts) == (OutboundStatus.QUEUED, 1) and first_wait > timedelta(seconds=20)
        assert outbound_send(outbound_id=message.pk) == "retrying"
        message.refresh_from_db()
        assert message.next_attempt_at - timezone.now() > first_wait  # the wait doubles
        # Its time has come: the sweep sends it, and forgets the schema once nothing is queued.
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert outbound_sweep() == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundStatus.SENT, 3)
        assert outbound_send(outbound_id=message.pk) == "nothing to do"  # sent once, never again
        assert not DueDeadline.objects.filter(schema_name=jakarta.schema_name, kind=DeadlineKind.CHANNEL).exists()

        refused = outbound_queue(provider="kannel", address="1708", recipient="+6281234567890", text="refused text")
        assert outbound_send(outbound_id=refused.pk) == "failed"
        refused.refresh_from_db()
        assert refused.status == OutboundStatus.FAILED and "Authorization failed" in refused.last_error


def test_kannels_delivery_report_is_recorded(numbers: Any, jakarta: Pemda) -> None:
    with tenant_context(jakarta):
        message = outbound_queue(provider="kannel", address="1708", recipient="+6281234567890", text="Laporan diterima")
    client = Client(HTTP_HOST="localhost")
    ref = f"{jakarta.schema_name}:{message.pk}"
    assert client.get("/channels/kannel/dlr/", {"key": "salah", "ref": ref, "status": "1"}).status_code == 403
    assert client.get("/channels/kannel/dlr/", {"key": KEY, "ref": ref, "status": "1"}).status_code == 200
    with tenant_context(jakarta):
        message.refresh_from_db()
        assert message.status == OutboundStatus.DELIVERED and message.delivered_at is not None
    assert client.get("/channels/kannel/dlr/", {"key": KEY, "ref": "nowhere:1", "status": "1"}).status_code == 404


def test_raw_messages_expire_but_the_record_of_what_they_did_stays(numbers: Any, jakarta: Pemda, settings: Any) -> None:
    kannel("LAPOR Saluran di Jalan Pramuka meluap setiap hujan")
    with tenant_context(jakarta):
        InboundMessage.objects.update(
            created_at=timezone.now() - timedelta(days=settings.LAPOR_CHANNEL_RETENTION_DAYS + 1)
        )
        assert inbound_purge() == 1
        (kept,) = InboundMessage.objects.all()
        assert (kept.text, kept.sender, kept.raw, kept.outcome) == ("", "", {}, "report") and kept.report_id
        assert inbound_purge() == 0
