"""What a Pemda does with each message kind it receives, and who may send it (sync.handlers).

Registered in settings.LAPOR_SYNC_HANDLERS["pemda"]. Only a hub speaks to a Pemda: this
deployment's own hub, or the national hub a Pemda's own deployment answers to
(LAPOR_SYNC_UPSTREAM). Within that:
- referral.deliver: only a hub (it routes; nobody else hands work to a Pemda);
- referral.update (news of a referral made here), referral.reply (the reporter's replies to a
  referral received here) and referral.probe (reconciliation): only the hub this end answers to
  for that referral.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from complaints.models import LinkRole, ReferralLink
from complaints.referrals import batch, services
from sync.handlers import Received, SenderRefused
from sync.parties import hub_parties


def _hub_only(message: dict[str, Any], sender: str) -> None:
    if sender not in hub_parties():
        raise SenderRefused(
            _("Hanya hub yang boleh mengirim %(k)s ke Pemda; %(s)s bukan hub.") % {"k": message["kind"], "s": sender},
            "not_hub",
        )


def _holder_only(messages: list[dict[str, Any]], sender_of: dict[str, str], role: str) -> None:
    """Each message comes from a hub, and from the one this end of its referral answers to."""
    for message in messages:
        _hub_only(message, sender_of[message["id"]])
    links = dict(
        ReferralLink.objects.filter(referral_key__in=[m["referral"] for m in messages], role=role).values_list(
            "referral_key", "reply_to"
        )
    )
    for message in messages:
        expected = links.get(message["referral"])
        if expected is not None and expected != sender_of[message["id"]]:
            raise SenderRefused(
                _("%(s)s tidak memegang rujukan %(k)s untuk Pemda ini.")
                % {"s": sender_of[message["id"]], "k": message["referral"]},
                "not_holder",
            )


class ReferralDeliver:
    body = "report (as in referral.create), reason, origin_name."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        _hub_only(message, sender)

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return services.referral_deliver_apply(message=message, sender=sender)

    def apply_many(self, received: list[Received]) -> dict[str, str]:
        for one in received:
            _hub_only(one.message, one.sender)
        return batch.deliveries_apply(received)


class OriginUpdate:
    body = "status, reason, receiver_name, followups: the receiver's state, relayed by the hub to the origin."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        _holder_only([message], {message["id"]: sender}, LinkRole.ORIGIN)

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return services.origin_update_apply(message=message, sender=sender)

    def apply_many(self, received: list[Received]) -> dict[str, str]:
        _holder_only([r.message for r in received], {r.id: r.sender for r in received}, LinkRole.ORIGIN)
        return batch.origin_updates_apply(received)


class ReceiverReply:
    body = "replies [{id, text, created_at}]: the reporter's replies, relayed by the hub to the receiver."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        _holder_only([message], {message["id"]: sender}, LinkRole.RECEIVER)

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return services.referral_reply_apply(message=message, sender=sender)


class ReferralProbe:
    body = "known_version, report, origin_name: what the hub believes (reconciliation)."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        _holder_only([message], {message["id"]: sender}, LinkRole.RECEIVER)

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return services.referral_probe_apply(message=message, sender=sender)


referral_deliver = ReferralDeliver()
origin_update = OriginUpdate()
receiver_reply = ReceiverReply()
referral_probe = ReferralProbe()
