"""Messages to citizens through the channel they came by: queued in the caller's transaction, sent
after commit by a task, re-sent with back-off, each recorded with its delivery status.

One sender per provider (channels.providers.*.send); a notification of the report's life goes
through the channel the reporter used when the report came by SMS, WhatsApp or X (an SMS reporter
gets SMS, not e-mail; an X reporter a reply to the post), and at most once: the outbound row is
unique per notification.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from channels.identity import phone_normalise, sender_hash
from channels.models import InboundMessage, OutboundMessage, OutboundStatus
from channels.sms import gsm_safe, parts_of
from deadlines.services import channel_clock_arm, channel_clock_rearm
from lapor.crypto import decrypt, encrypt
from lapor.relay import Relay

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SMS_PROVIDERS = ("kannel", "twilio")


class SendError(Exception):
    """A provider refused or could not be reached; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _publish(schema: str, ids: list[Any]) -> None:
    from channels.tasks import outbound_send_task

    outbound_send_task.apply_async(args=[ids], headers={"_schema_name": schema})


_relay = Relay("channels-out", flush_seconds=0.2, publish=_publish)


def outbound_queue(
    *,
    provider: str,
    address: str,
    recipient: str,
    text: str,
    in_reply_to: InboundMessage | None = None,
    notification_id: int | None = None,
    report_id: int | None = None,
    reply_to_id: str = "",
) -> OutboundMessage:
    """Write the message in the caller's transaction; it leaves after commit."""
    message = outbound_new(
        provider=provider,
        address=address,
        recipient=recipient,
        text=text,
        in_reply_to_id=in_reply_to.pk if in_reply_to is not None else None,
        notification_id=notification_id,
        report_id=report_id,
        reply_to_id=reply_to_id,
    )
    message.save(force_insert=True)
    channel_clock_arm(at=message.next_attempt_at or message.created_at)  # the sweep's safety net
    outbound_queued(outbound_id=message.pk)
    return message


def outbound_new(
    *,
    provider: str,
    address: str,
    recipient: str,
    text: str,
    in_reply_to_id: int | None = None,
    notification_id: int | None = None,
    report_id: int | None = None,
    reply_to_id: str = "",
) -> OutboundMessage:
    """The (unsaved) row of a message to `recipient`; whoever writes it calls outbound_queued()
    with its id, and brings the channel sweep's clock to its next_attempt_at."""
    if provider in SMS_PROVIDERS:
        text = gsm_safe(text)
    now = timezone.now()
    return OutboundMessage(
        provider=provider,
        address=address,
        recipient=encrypt(recipient),
        recipient_hash=sender_hash(recipient),
        text=text,
        parts=parts_of(text) if provider in SMS_PROVIDERS else 1,
        in_reply_to_id=in_reply_to_id,
        notification_id=notification_id,
        report_id=report_id,
        created_at=now,
        next_attempt_at=now + timedelta(seconds=settings.LAPOR_CHANNEL_SWEEP_AFTER_SECONDS),
        provider_ids=[reply_to_id] if reply_to_id else [],
    )


def outbound_queued(*, outbound_id: int) -> None:
    """Send the written message once the transaction commits (batched by the relay)."""
    _relay.on_commit(outbound_id)


def outbound_send(*, outbound_id: int) -> str:
    """Send one queued message; idempotent (a sent one is never sent again), retried with back-off."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=outbound_id, status=OutboundStatus.QUEUED)
            .first()
        )
        if message is None:
            return "nothing to do"
        sender = import_string(settings.LAPOR_CHANNEL_SENDERS[message.provider])
        message.attempts += 1
        try:
            ids = sender(
                address=message.address,
                recipient=decrypt(message.recipient),
                text=message.text,
                reply_to=(message.provider_ids or [""])[0],
                callback_id=f"{connection.schema_name}:{message.pk}",  # type: ignore[attr-defined]
            )
        except SendError as exc:
            message.last_error = str(exc)[:500]
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                message.status = OutboundStatus.FAILED
                message.next_attempt_at = None
            else:
                message.next_attempt_at = timezone.now() + timedelta(
                    seconds=min(30 * 2 ** (message.attempts - 1), 3600)
                )
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("channel send %s #%s failed: %s", message.provider, message.pk, exc)
            return "failed" if message.status == OutboundStatus.FAILED else "retrying"
        message.status = OutboundStatus.SENT
        message.sent_at = timezone.now()
        message.next_attempt_at = None
        message.provider_ids = [i for i in ids if i]
        message.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "provider_ids"])
    return "sent"


def outbound_sweep(*, limit: int = 500) -> int:
    """Send this schema's queued messages whose next attempt has come (a retry's time, or a lost
    task), then tell the index when to come back; returns how many were tried."""
    due = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for outbound_id in due:
        outbound_send(outbound_id=outbound_id)
    following = (
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    channel_clock_rearm(next_at=following)
    return len(due)


def outbound_delivered(*, outbound_id: int, delivered: bool, detail: str = "") -> bool:
    """A provider's delivery report: the message reached the phone, or finally did not."""
    status = OutboundStatus.DELIVERED if delivered else OutboundStatus.FAILED
    changed = (
        OutboundMessage.objects.filter(pk=outbound_id)
        .exclude(status=OutboundStatus.DELIVERED)
        .update(status=status, delivered_at=timezone.now() if delivered else None, last_error=detail[:500])
    )
    return bool(changed)


def notification_by_channel(notification: Any) -> bool:
    """complaints.notifications' hook: send a reporter's notification by SMS, WhatsApp or X when
    the report came that way (True: queued here, no e-mail). On X it is a reply to the citizen's
    post (a public report's news, in public)."""
    report = notification.report
    if not notification.to_reporter or report is None or report.channel not in ("sms", "whatsapp", "twitter"):
        return False
    origin = InboundMessage.objects.filter(report_id=report.pk).order_by("pk").first()
    if origin is None:
        return False
    if report.channel == "twitter":
        recipient, limit = decrypt(origin.sender), 280
        reply_to = origin.provider_message_id.removeprefix("hub:")
    else:
        recipient, limit, reply_to = phone_normalise(decrypt(report.reporter_phone)), 1600, ""
    if not recipient:
        return False
    if OutboundMessage.objects.filter(notification_id=notification.pk).exists():
        return True
    body = notification.body if len(notification.body) <= 300 else notification.body[:297] + "..."
    text = f"{notification.subject}: {body}"
    text = text if len(text) <= limit else text[: limit - 3] + "..."  # a post's 280 characters
    outbound_queue(
        provider=origin.provider,
        address=origin.address,
        recipient=recipient,
        text=text,
        notification_id=notification.pk,
        report_id=report.pk,
        reply_to_id=reply_to,
    )
    return True
