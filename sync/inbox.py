"""Applying a received message exactly once, in the schema of the party it is for.

The receiving party's handler (sync.handlers) first says whether the sender may send it; a
message outside its sender's scope is refused with the handler's code, logged with the sender's
name, and nothing of it stays (not even the inbox row: the transaction is rolled back).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from structlog.contextvars import bound_contextvars

from sync.envelope import EnvelopeError
from sync.handlers import AT_HUB, AT_PEMDA, Handler, SenderRefused, UnknownKind, handler_for
from sync.models import HUB, InboxMessage
from sync.parties import local_pemda
from tenants.models import Pemda

logger = logging.getLogger(__name__)


def _claim(message: dict[str, Any], sender: str) -> bool:
    """Insert the inbox row; False when the id was applied before (or is being applied right now:
    the insert waits for that transaction and then finds the row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.sync_inboxmessage"
            " (message_id, sender, to_party, kind, referral_key, version, outcome, received_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, '', %s) ON CONFLICT (message_id) DO NOTHING",
            [
                message["id"],
                sender,
                message["to"],
                message["kind"],
                message["referral"][:80],
                message["version"],
                timezone.now(),
            ],
        )
        return cursor.rowcount == 1


def receiving_handler(message: dict[str, Any]) -> tuple[Handler, Pemda | None]:
    """The handler for this message where it arrives, and the Pemda it is for (None: the hub).

    Raises EnvelopeError for a party that is not here or a kind it does not accept.
    """
    to, kind = message["to"], message["kind"]
    pemda = None
    if to != HUB:
        pemda = local_pemda(to)
        if pemda is None:
            raise EnvelopeError(_("Penerima %(p)s tidak ada di deployment ini.") % {"p": to}, "unknown_party")
    try:
        return handler_for(AT_HUB if pemda is None else AT_PEMDA, kind), pemda
    except UnknownKind:
        text = _("Hub tidak menerima pesan %(k)s.") if pemda is None else _("Pemda tidak menerima pesan %(k)s.")
        raise EnvelopeError(text % {"k": kind}, "wrong_kind") from None


def refusal_logged(exc: SenderRefused, *, sender: str, message: dict[str, Any]) -> None:
    logger.warning(
        "sync inbox refused (%s) from %s: %s [%s %s to %s]",
        exc.code,
        sender,
        exc.message,
        message.get("kind"),
        message.get("referral"),
        message.get("to"),
    )


@transaction.atomic
def inbox_apply(*, message: dict[str, Any], sender: str) -> str:
    """Apply one parsed message from `sender`; returns the outcome ("duplicate" for a repeat).

    The inbox row and the change commit together, so a crash leaves neither and the re-delivery
    applies the message once. A repeat is answered before the scope is checked again: the
    sender may have lost the referral since, and its first delivery was in scope.
    """
    handler, pemda = receiving_handler(message)
    if not _claim(message, sender):
        return "duplicate"
    request_id = message.get("request_id")
    # The sender's request id (lapor.logs) while the message is applied, here or at another deployment.
    with bound_contextvars(request_id=request_id) if isinstance(request_id, str) and request_id else nullcontext():
        with tenant_context(pemda) if pemda is not None else nullcontext():
            try:
                handler.authorize(message=message, sender=sender)
            except SenderRefused as exc:
                refusal_logged(exc, sender=sender, message=message)
                raise
            outcome = handler.apply(message=message, sender=sender)
            logger.info("sync: %s %s from %s applied: %s", message["kind"], message["id"], sender, outcome)
    InboxMessage.objects.filter(message_id=message["id"]).update(outcome=outcome[:40])
    return outcome
