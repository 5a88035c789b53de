"""The sign-in SMS leaves the way every SMS does: queued by the channel layer, sent by the Kannel
sender through a running Kannel's sendsms, and received by the phone (Kannel's fake SMSC)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context

from channels.identity import sender_hash
from channels.models import OutboundMessage, OutboundStatus
from channels.tasks import outbound_send_task
from tests.channels.kannel import SENDSMS_PASSWORD, SENDSMS_USER, Gateway, kannel_or_skip, running_kannel, sendsms_url
from tests.citizens.conftest import SITI_E164, SITI_PHONE, App

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    kannel_or_skip()
    # No platform behind smsbox's get-url: only messages out of the platform are looked at here.
    with running_kannel(key="kunci-uji", platform_url="http://127.0.0.1:9") as kannel:
        settings.LAPOR_KANNEL = {
            **settings.LAPOR_KANNEL,
            "sendsms_url": sendsms_url(kannel.ports),
            "username": SENDSMS_USER,
            "password": SENDSMS_PASSWORD,
            "callback_base": "",
        }
        # The fake SMSC (the operator's side) connects to bearerbox with one SMS of its own.
        kannel.send("6280000000001", "1708", "halo")
        yield kannel


def test_the_sign_in_code_reaches_the_phone_through_kannel(app: App, gateway: Gateway) -> None:
    assert app.ask_code(phone=SITI_PHONE).status_code == 202
    with schema_context("public"):
        (sms,) = OutboundMessage.objects.filter(recipient_hash=sender_hash(SITI_E164))
        # What the worker runs for the ids the relay publishes after commit.
        assert outbound_send_task.run([sms.pk]) == {"sent": 1}
        sms.refresh_from_db()
    assert sms.status == OutboundStatus.SENT and sms.attempts == 1

    received = gateway.received(SITI_E164.lstrip("+"), contains="kode")
    code = re.search(r"\b(\d{6})\b", received).group(1)  # type: ignore[union-attr]
    signed_in = app.sign_in(phone=SITI_PHONE, code=code)
    assert signed_in.status_code == 200 and signed_in.json()["created"] is True
