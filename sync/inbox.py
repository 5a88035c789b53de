"""Applying a received message exactly once, in the schema of the party it is for."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from sync import services
from sync.envelope import EnvelopeError
from sync.models import HUB, InboxMessage
from sync.reconcile import referral_probe_apply
from tenants.models import Pemda, PemdaKind, PemdaStatus


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


def party_pemda(code: str) -> Pemda | None:
    return Pemda.objects.filter(code=code, status=PemdaStatus.LIVE).exclude(kind=PemdaKind.HUB).first()


@transaction.atomic
def inbox_apply(*, message: dict[str, Any], sender: str) -> str:
    """Apply one parsed message from `sender`; returns the outcome ("duplicate" for a repeat).

    The inbox row and the change commit together, so a crash leaves neither and the re-delivery
    applies the message once.
    """
    to = message["to"]
    kind = message["kind"]
    pemda = None
    if to != HUB:
        pemda = party_pemda(to)
        if pemda is None:
            raise EnvelopeError(_("Penerima %(p)s tidak ada di deployment ini.") % {"p": to}, "unknown_party")
    if not _claim(message, sender):
        return "duplicate"
    if pemda is None:
        if kind == "referral.create":
            outcome = services.hub_referral_receive(message=message, sender=sender)
        elif kind == "referral.update":
            outcome = services.hub_update_receive(message=message, sender=sender)
        elif kind == "referral.reply":
            outcome = services.hub_reply_receive(message=message, sender=sender)
        else:
            raise EnvelopeError(_("Hub tidak menerima pesan %(k)s.") % {"k": kind}, "wrong_kind")
    else:
        with tenant_context(pemda):
            if kind == "referral.deliver":
                outcome = services.referral_deliver_apply(message=message, sender=sender)
            elif kind == "referral.update":
                outcome = services.origin_update_apply(message=message, sender=sender)
            elif kind == "referral.probe":
                outcome = referral_probe_apply(message=message, sender=sender)
            elif kind == "referral.reply":
                outcome = services.referral_reply_apply(message=message, sender=sender)
            else:
                raise EnvelopeError(_("Pemda tidak menerima pesan %(k)s.") % {"k": kind}, "wrong_kind")
    InboxMessage.objects.filter(message_id=message["id"]).update(outcome=outcome[:40])
    return outcome
