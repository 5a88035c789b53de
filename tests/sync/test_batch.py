"""The sweeper's batch path: messages of one sweep applied set-wise per receiving party.

sync.batch holds the mechanics, complaints.referrals.batch and national_hub.inbound the set-wise writes.

Each test puts several messages in one batch and checks what a citizen or an officer would
notice: every referral once at its receiver, a bad message isolated, the newest state winning,
nothing half-applied after a crash, and an intact audit chain.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from complaints.audit import audit_first_broken_link
from complaints.models import AuditEvent, Report
from complaints.referrals import batch
from national_hub.models import HubReferral
from sync.delivery import outbox_deliver, outbox_sweep
from sync.inbox import inbox_apply
from sync.models import InboxMessage, OutboxMessage, OutboxStatus
from sync.transports import envelope_of
from tenants.models import Pemda
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import BEKASI_ROAD, _refer, _track


def _pending(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING).order_by("created_at"))


def _referred_to_bekasi(api: Api, count: int) -> list[dict[str, Any]]:
    """`count` Jakarta reports about Bekasi roads, referred; the hub has routed them (deliveries pending)."""
    submitted = [api.submit(**{**BEKASI_ROAD, "title": f"Jalan berlubang di Bekasi nomor {i}"}) for i in range(count)]
    for one in submitted:
        _refer(api, one, target_code="32.75")
    outbox_sweep()  # one batch of referral.create at the hub
    assert len(_pending("referral.deliver")) == count
    return submitted


def _copies_at_bekasi(bekasi: Pemda, submitted: list[dict[str, Any]]) -> list[int]:
    with tenant_context(bekasi):
        return [Report.objects.filter(tracking_id=s["tracking_id"]).count() for s in submitted]


def test_one_batch_refers_to_a_pemda_and_a_ministry_and_every_referral_arrives_once(
    api: Api, sync_cast: Any, bekasi: Pemda, jakarta: Pemda, sweep: Any
) -> None:
    roads = [api.submit(**{**BEKASI_ROAD, "title": f"Jalan rusak {i}"}) for i in range(3)]
    aid = [api.submit(category="bansos", title=f"Bansos tidak sampai {i}") for i in range(2)]
    for one in roads:
        _refer(api, one, target_code="32.75")
    for one in aid:
        _refer(api, one, target_code="kemensos")
    sweep()
    assert _copies_at_bekasi(bekasi, roads) == [1, 1, 1]
    assert sorted(HubReferral.objects.filter(target_code="kemensos").values_list("tracking_id", flat=True)) == sorted(
        a["tracking_id"] for a in aid
    )
    # The citizen at Jakarta sees where each went, and the receiver kept the tracking ID.
    assert {_track(api, one)["status"] for one in roads + aid} == {"referred"}
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()
    # Every event recorded, the chains intact: one "referral_received" per arrival at Bekasi,
    # one "referral_update" per "routed" news at Jakarta.
    with tenant_context(bekasi):
        assert AuditEvent.objects.filter(action="referral_received").count() == 3
        assert audit_first_broken_link() is None
    with tenant_context(jakarta):
        assert AuditEvent.objects.filter(action="referral_update").count() == 5
        assert audit_first_broken_link() is None


def test_a_batch_with_an_already_applied_message_acknowledges_it_and_applies_the_rest(
    api: Api, sync_cast: Any, bekasi: Pemda
) -> None:
    submitted = _referred_to_bekasi(api, 3)
    first = _pending("referral.deliver")[0]
    # That delivery already arrived once (say, by the on-commit task whose row update was lost).
    assert inbox_apply(message=envelope_of(first), sender="hub") == "created"
    outbox_sweep()
    assert _copies_at_bekasi(bekasi, submitted) == [1, 1, 1]
    assert InboxMessage.objects.get(message_id=first.pk).outcome == "created"
    assert not _pending("referral.deliver")


@override_settings(LAPOR_SYNC_MAX_ATTEMPTS=3)
def test_a_poisoned_message_is_retried_then_dead_lettered_while_the_rest_of_its_batch_arrives(
    api: Api, sync_cast: Any, bekasi: Pemda
) -> None:
    submitted = _referred_to_bekasi(api, 3)
    poisoned = _pending("referral.deliver")[1]
    body = poisoned.body
    body["report"]["location"]["latitude"] = "bukan angka"
    OutboxMessage.objects.filter(pk=poisoned.pk).update(body=body)

    # One batch: the 3 deliveries to Bekasi and the 3 "routed" news to Jakarta.
    assert outbox_sweep() == {"delivered": 5, "failed": 1}
    assert _copies_at_bekasi(bekasi, submitted) == [1, 0, 1]
    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.attempts) == (OutboxStatus.PENDING, 1)
    assert poisoned.last_error
    for attempt in (2, 3):  # due again at once: the back-off is tested in test_delivery
        OutboxMessage.objects.filter(pk=poisoned.pk).update(next_attempt_at=timezone.now())
        assert outbox_sweep() == {"failed" if attempt < 3 else "dead": 1}
    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.attempts) == (OutboxStatus.DEAD, 3)
    # Nothing of it half-applied at Bekasi, and the others still exactly once.
    assert _copies_at_bekasi(bekasi, submitted) == [1, 0, 1]
    assert not InboxMessage.objects.filter(message_id=poisoned.pk).exists()
    with tenant_context(bekasi):
        assert audit_first_broken_link() is None


def test_updates_reordered_within_one_batch_leave_the_newest_state_at_the_origin(
    api: Api, bekasi_api: Api, sync_cast: Any, bekasi_dbm: Any, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    (disposed,) = _pending("referral.update")
    assert outbox_deliver(message_id=disposed.pk) == "delivered"  # the hub writes "disposed" to Jakarta
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": "Sudah ditambal.", "final": True}, user="bela"
    )
    (answered,) = [m for m in _pending("referral.update") if m.sender == "32.75"]
    assert outbox_deliver(message_id=answered.pk) == "delivered"  # the hub writes "answered" to Jakarta
    older, newer = _pending("referral.update")
    assert (older.body["status"], newer.body["status"]) == ("disposed", "answered")
    # Both in the same batch, the newer one first.
    OutboxMessage.objects.filter(pk=newer.pk).update(created_at=older.created_at - timezone.timedelta(seconds=1))

    assert outbox_sweep() == {"delivered": 2}
    assert InboxMessage.objects.get(message_id=older.pk).outcome == "stale"
    tracked = _track(api, submitted)
    assert tracked["status"] == "answered"
    assert [f["text"] for f in tracked["followups"]] == ["Sudah ditambal."]


def test_updates_reordered_across_batches_leave_the_newest_state_at_the_origin(
    api: Api, bekasi_api: Api, sync_cast: Any, bekasi_dbm: Any, sweep: Any
) -> None:
    submitted = api.submit(**BEKASI_ROAD)
    _refer(api, submitted, target_code="32.75")
    sweep()
    bekasi_id = bekasi_api.officer_id(submitted["tracking_id"], user="bima")
    bekasi_api.post(f"/api/v1/officer/reports/{bekasi_id}/verify/", {"unit_id": bekasi_dbm.pk}, user="bima")
    (disposed,) = _pending("referral.update")
    assert outbox_deliver(message_id=disposed.pk) == "delivered"
    bekasi_api.post(
        f"/api/v1/officer/reports/{bekasi_id}/followups/", {"text": "Sudah ditambal.", "final": True}, user="bela"
    )
    (answered,) = [m for m in _pending("referral.update") if m.sender == "32.75"]
    assert outbox_deliver(message_id=answered.pk) == "delivered"
    older, _newer = _pending("referral.update")
    # The older one is held back (not due) while a batch carries the newer one.
    OutboxMessage.objects.filter(pk=older.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(hours=1))
    assert outbox_sweep() == {"delivered": 1}
    OutboxMessage.objects.filter(pk=older.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == {"delivered": 1}
    assert InboxMessage.objects.get(message_id=older.pk).outcome == "stale"
    assert _track(api, submitted)["status"] == "answered"


class _Killed(BaseException):
    """Stands for kill -9: nothing after it runs, the transaction is never committed."""


def test_a_crash_in_the_middle_of_a_batch_applies_nothing_and_the_next_sweep_everything_once(
    api: Api, sync_cast: Any, bekasi: Pemda, jakarta: Pemda, monkeypatch: pytest.MonkeyPatch, sweep: Any
) -> None:
    submitted = _referred_to_bekasi(api, 3)
    real = batch.audit_record_many
    calls = []

    def crash_after_both_parties(entries: Any) -> None:
        # The batch holds Jakarta's "routed" news and Bekasi's deliveries: die once both are
        # applied, before the outbox rows are marked and the batch commits.
        real(entries)
        calls.append(len(entries))
        if len(calls) == 2:
            raise _Killed

    monkeypatch.setattr(batch, "audit_record_many", crash_after_both_parties)
    with pytest.raises(_Killed):
        outbox_sweep()
    assert calls == [3, 3]
    # Rolled back as a whole: no report, no inbox row, every message still pending.
    assert _copies_at_bekasi(bekasi, submitted) == [0, 0, 0]
    assert len(_pending("referral.deliver")) == len(_pending("referral.update")) == 3
    assert not InboxMessage.objects.filter(kind__in=["referral.deliver", "referral.update"]).exists()
    with tenant_context(jakarta):
        assert not AuditEvent.objects.filter(action="referral_update").exists()

    monkeypatch.setattr(batch, "audit_record_many", real)
    sweep()
    assert _copies_at_bekasi(bekasi, submitted) == [1, 1, 1]
    assert InboxMessage.objects.filter(kind="referral.deliver", outcome="created").count() == 3
    with tenant_context(bekasi):
        assert audit_first_broken_link() is None
    with tenant_context(jakarta):
        assert audit_first_broken_link() is None
