"""The sync's own figures (backlog, lag, failures, dead letters) from the public outbox and inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, F, Max, Min, Q
from django.utils import timezone

from sync.models import InboxMessage, OutboxMessage, OutboxStatus

# Delivery lag is measured over messages delivered in this window.
LAG_WINDOW = timedelta(hours=1)


def sync_metrics() -> dict[str, Any]:
    """Per peer and direction ("out": this deployment's outbox, "in": its inbox)."""
    now = timezone.now()
    out = (
        OutboxMessage.objects.values("recipient")
        .annotate(
            backlog=Count("id", filter=Q(status=OutboxStatus.PENDING)),
            oldest=Min("created_at", filter=Q(status=OutboxStatus.PENDING)),
            failing=Count("id", filter=Q(status=OutboxStatus.PENDING, attempts__gt=0)),
            dead=Count("id", filter=Q(status=OutboxStatus.DEAD)),
            lag=Avg(
                F("delivered_at") - F("created_at"),
                filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=now - LAG_WINDOW),
            ),
            lag_max=Max(
                F("delivered_at") - F("created_at"),
                filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=now - LAG_WINDOW),
            ),
        )
        .order_by("recipient")
    )
    inbound = (
        InboxMessage.objects.filter(received_at__gte=now - LAG_WINDOW)
        .values("sender")
        .annotate(received=Count("message_id"))
        .order_by("sender")
    )
    return {
        "out": [
            {
                "peer": row["recipient"],
                "backlog": row["backlog"],
                "oldest_undelivered_s": round((now - row["oldest"]).total_seconds(), 1) if row["oldest"] else 0.0,
                "failing": row["failing"],
                "dead_letters": row["dead"],
                "lag_avg_s": round(row["lag"].total_seconds(), 3) if row["lag"] else None,
                "lag_max_s": round(row["lag_max"].total_seconds(), 3) if row["lag_max"] else None,
            }
            for row in out
        ],
        "in": [{"peer": row["sender"], "received_last_hour": row["received"]} for row in inbound],
        "dead_letters": list(
            OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
            .order_by("-created_at")
            .values("id", "recipient", "kind", "referral_key", "attempts", "last_error")[:50]
        ),
    }
