"""Outbox/inbox sync between Pemda, the hub and K/L: sync carries, owners decide.

Every change another party must see is an OutboxMessage written in the transaction of the
change; delivery is at-least-once (a task queued on commit, plus the sweeper), receipt is
exactly-once (InboxMessage keyed by message id) and ordered by per-referral versions. What a
message does, and who may send it, is decided by the handler its owner registers in
LAPOR_SYNC_HANDLERS (sync.handlers): national_hub for the hub, complaints for a Pemda.
"""
