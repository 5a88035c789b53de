"""What the hub does with each message kind it receives, and who may send it (sync.handlers).

Registered in settings.LAPOR_SYNC_HANDLERS["hub"]. The scope of each kind:
- referral.create: a Pemda or K/L refers only its own reports. A party of this deployment sends
  as itself (origin_party is the sender, the key is `<this hub>/<sender>/…`); a peer (another
  deployment, a K/L system) only under keys it minted (`<peer>/…`).
- referral.update: only the party that holds the referral now (its current receiver).
- referral.reply: only the origin's side (the party the hub answers to for this referral).
- stats.update: a Pemda reports only its own figures.
- audit.checkpoint: a Pemda sends only its own audit-chain head.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from national_hub.kl_stats import kl_stats_recount
from national_hub.models import HubReferral, TargetKind
from national_hub.referrals import hub_referral_prepare, hub_referral_receive, hub_reply_receive, hub_update_receive
from national_hub.referrals import route_name as _route_name
from national_hub.routing import Route, route_resolve
from national_hub.stats import pemda_stats_receive
from sync.handlers import Received, SenderRefused
from sync.models import Peer
from sync.parties import local_pemda, self_name


def _is_peer(code: str) -> bool:
    return Peer.objects.filter(code=code, is_active=True).exists()


def _own_referral_only(message: dict[str, Any], sender: str, is_peer: Callable[[str], bool]) -> None:
    key = message["referral"]
    if is_peer(sender):
        ok = key.startswith(f"{sender}/")
    else:
        origin = str(message["body"].get("origin_party") or sender)
        ok = origin == sender and key.startswith(f"{self_name()}/{sender}/")
    if not ok:
        raise SenderRefused(
            _("%(s)s hanya boleh merujuk laporannya sendiri (rujukan %(k)s).") % {"s": sender, "k": key}, "not_origin"
        )


class ReferralCreate:
    body = (
        "report (tracking_id, type, category, title, text, privacy, location, reporter only when not anonim), "
        "origin_party, origin_name, reason, target_code, target_hint."
    )

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        _own_referral_only(message, sender, _is_peer)

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return hub_referral_receive(message=message, sender=sender)

    def apply_many(self, received: list[Received]) -> dict[str, str]:
        """New referrals of one sweep: routes and names looked up once each, records in one insert."""
        peers: dict[str, bool] = {}

        def is_peer(code: str) -> bool:
            if code not in peers:
                peers[code] = _is_peer(code)
            return peers[code]

        for one in received:
            _own_referral_only(one.message, one.sender, is_peer)
        routes: dict[tuple[Any, ...], Route] = {}
        names: dict[Route, str] = {}

        def route_of(**kwargs: Any) -> Route:
            key = tuple(sorted(kwargs.items()))
            if key not in routes:
                routes[key] = route_resolve(**kwargs)
            return routes[key]

        def name_of(route: Route) -> str:
            if route not in names:
                names[route] = _route_name(route)
            return names[route]

        known = set(
            HubReferral.objects.filter(referral_key__in=[r.message["referral"] for r in received]).values_list(
                "referral_key", flat=True
            )
        )
        outcomes: dict[str, str] = {}
        records: list[HubReferral] = []
        for one in received:
            if one.message["referral"] in known:
                outcomes[one.id] = "duplicate"
                continue
            hub_ref, outcome = hub_referral_prepare(
                message=one.message, sender=one.sender, route_of=route_of, name_of=name_of
            )
            records.append(hub_ref)
            known.add(one.message["referral"])
            outcomes[one.id] = outcome
        HubReferral.objects.bulk_create(records)
        for hub_ref in records:
            if hub_ref.target_kind == TargetKind.KL:
                kl_stats_recount(hub_ref)
        return outcomes


class ReferralUpdate:
    body = (
        "status (received | accepted | disposed | answered | closed | returned), reason, suggested_target, "
        "receiver_name, followups [{id, text, is_final, created_at}] (the receiver's whole thread)."
    )

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        holder = HubReferral.objects.filter(referral_key=message["referral"]).values_list("target_code", flat=True)
        current = holder.first()
        if current is not None and current != sender:
            raise SenderRefused(
                _("%(s)s tidak sedang menangani rujukan %(k)s.") % {"s": sender, "k": message["referral"]},
                "not_holder",
            )

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return hub_update_receive(message=message, sender=sender)


class ReferralReply:
    body = "replies [{id, text, created_at}]: the reporter's replies, from the origin."

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        origin = HubReferral.objects.filter(referral_key=message["referral"]).values_list("origin", flat=True).first()
        if origin is not None and origin != sender:
            raise SenderRefused(
                _("%(s)s bukan asal rujukan %(k)s.") % {"s": sender, "k": message["referral"]}, "not_origin"
            )

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return hub_reply_receive(message=message, sender=sender)


class StatsUpdate:
    body = (
        "pemda, name, months {YYYY-MM-01: {categories {code: {counter: n}}, first {bucket: n}, answer {bucket: n}}}:"
        " a Pemda's monthly totals, whole, for the league tables."
    )

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        pemda = str(message["body"].get("pemda", ""))
        # A Pemda of this deployment reports only itself; a peer deployment only Pemda it runs.
        ok = pemda == sender if not _is_peer(sender) else local_pemda(pemda) is None
        if not ok or not message["referral"] == f"stats/{pemda}":
            raise SenderRefused(_("%(s)s hanya boleh melaporkan angkanya sendiri.") % {"s": sender}, "not_origin")

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        return pemda_stats_receive(message=message)


class SpikeAlert:
    body = (
        "pemda, name, alert (the Pemda's id), category, category_label, kecamatan, first_day, last_day, count,"
        " usual_low, usual_high: an early-warning spike the Pemda flagged (performance.warning)."
    )

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        pemda = str(message["body"].get("pemda", ""))
        ok = pemda == sender if not _is_peer(sender) else local_pemda(pemda) is None
        if not ok or not str(message["referral"]).startswith(f"spike/{pemda}/"):
            raise SenderRefused(_("%(s)s hanya boleh melaporkan angkanya sendiri.") % {"s": sender}, "not_origin")

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        from national_hub.early_warning import hub_spike_receive

        return hub_spike_receive(message=message)


class AuditCheckpointHandler:
    body = (
        "pemda, name, day (YYYY-MM-DD, the Pemda's date), position (the head event's id), hash (its hash),"
        " at (its time): a Pemda's audit-chain head of the day, which the hub keeps and signs."
    )

    def authorize(self, *, message: dict[str, Any], sender: str) -> None:
        pemda = str(message["body"].get("pemda", ""))
        ok = pemda == sender if not _is_peer(sender) else local_pemda(pemda) is None
        if not ok or message["referral"] != f"audit/{pemda}":
            raise SenderRefused(
                _("%(s)s hanya boleh mengirim titik periksa jejak auditnya sendiri.") % {"s": sender}, "not_origin"
            )

    def apply(self, *, message: dict[str, Any], sender: str) -> str:
        from national_hub.checkpoints import checkpoint_receive

        return checkpoint_receive(message=message)


audit_checkpoint = AuditCheckpointHandler()
referral_create = ReferralCreate()
spike_alert = SpikeAlert()
stats_update = StatsUpdate()
referral_update = ReferralUpdate()
referral_reply = ReferralReply()
