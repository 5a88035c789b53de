"""Outbox/inbox sync between Pemda, the hub and K/L (DESIGN.md section 6).

Every change another party must see is an OutboxMessage written in the transaction of the
change; delivery is at-least-once (a task queued on commit, plus the sweeper), receipt is
exactly-once (InboxMessage keyed by message id) and ordered by per-referral versions.
"""
