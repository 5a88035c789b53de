"""The kind -> handler table: sync carries messages whose meaning its owners register in settings.

A new kind needs a handler and a line in LAPOR_SYNC_HANDLERS, no change in sync/: this test adds
one (an acknowledgement the hub keeps) and sends it through the same inbox, schema and sweeper
as the referral kinds.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from sync.delivery import outbox_sweep
from sync.envelope import EnvelopeError, envelope_parse
from sync.handlers import SenderRefused
from sync.inbox import inbox_apply
from sync.models import InboxMessage, OutboxMessage, OutboxStatus
from sync.outbox import outbox_write
from tenants.models import Pemda

RECEIVED: list[tuple[str, str]] = []


class NoticeAck:
    """A kind no part of the platform knows: the hub notes who acknowledged which notice."""

    body = "notice: the id of the notice acknowledged."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        if sender == "32":
            raise SenderRefused("Provinsi tidak mengakui pemberitahuan.", "not_addressee")

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        RECEIVED.append((sender, str(message["body"]["notice"])))
        return "noted"


notice_ack = NoticeAck()
WITH_NOTICES = {
    **settings.LAPOR_SYNC_HANDLERS,
    "hub": {**settings.LAPOR_SYNC_HANDLERS["hub"], "notice.ack": "tests.sync.test_handlers.notice_ack"},
}


def _message(kind: str = "notice.ack") -> dict[str, Any]:
    return {
        "schema": "lapor.sync/1",
        "id": str(uuid.uuid4()),
        "kind": kind,
        "to": "hub",
        "referral": "pemberitahuan-7",
        "version": 1,
        "body": {"notice": "7"},
    }


@pytest.fixture(autouse=True)
def _clean() -> None:
    RECEIVED.clear()


def test_a_kind_nobody_registered_is_refused_as_malformed(tenants_registry: dict[str, Pemda]) -> None:
    with pytest.raises(EnvelopeError) as refused:
        envelope_parse(_message())
    assert refused.value.code == "malformed"


@override_settings(LAPOR_SYNC_HANDLERS=WITH_NOTICES)
def test_a_new_kind_registered_in_settings_travels_without_a_change_in_sync(
    db: None, tenants_registry: dict[str, Pemda]
) -> None:
    envelope_parse(_message())  # known now
    schema = Client().get("/sync/v1/schema.json", HTTP_HOST="localhost").json()
    assert "notice.ack" in schema["properties"]["kind"]["enum"]
    assert "the id of the notice" in schema["properties"]["body"]["description"]

    # Through the outbox and the sweeper, like any referral message, exactly once.
    outbox_write(sender="31", recipient="hub", kind="notice.ack", referral_key="pemberitahuan-7", version=1,
                 body={"notice": "7"})  # fmt: skip
    assert outbox_sweep() == {"delivered": 1}
    assert RECEIVED == [("31", "7")]
    message = OutboxMessage.objects.get(kind="notice.ack")
    assert InboxMessage.objects.get(message_id=message.pk).outcome == "noted"
    assert inbox_apply(message=_message() | {"id": str(message.pk)}, sender="31") == "duplicate"
    assert RECEIVED == [("31", "7")]

    # Its handler's scope rule holds like the referral kinds': refused, nothing kept.
    outbox_write(sender="32", recipient="hub", kind="notice.ack", referral_key="pemberitahuan-8", version=1,
                 body={"notice": "8"})  # fmt: skip
    outbox_sweep()
    refused = OutboxMessage.objects.get(referral_key="pemberitahuan-8")
    assert refused.status == OutboxStatus.DEAD and "not_addressee" in refused.last_error
    assert RECEIVED == [("31", "7")]
    assert not InboxMessage.objects.filter(message_id=refused.pk).exists()
