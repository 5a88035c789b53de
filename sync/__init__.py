"""Outbox/inbox sync between tenants, the hub and K/L (DESIGN.md section 6).

Nothing lives here yet: the transports, delivery and reconciliation are built in the sync issue.
"""
