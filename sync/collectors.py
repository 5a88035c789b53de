"""The sync's figures for Prometheus, read at scrape time (lapor.metrics): backlog, lag, dead letters.

Per peer (the party a message goes to: `hub`, a Pemda's Kemendagri code, a K/L, another
deployment); three indexed queries over the public outbox and inbox, whatever the tenant count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client.core import GaugeMetricFamily

from lapor.metrics import DatabaseCollector
from sync.metrics import sync_metrics


class SyncCollector(DatabaseCollector):
    def read(self) -> Iterable[Any]:
        figures = sync_metrics()
        backlog = GaugeMetricFamily("lapor_sync_backlog", "Outbox messages not yet delivered", labels=["peer"])
        oldest = GaugeMetricFamily(
            "lapor_sync_oldest_undelivered_seconds", "Age of the oldest undelivered outbox message", labels=["peer"]
        )
        failing = GaugeMetricFamily(
            "lapor_sync_failing", "Undelivered outbox messages that failed at least once", labels=["peer"]
        )
        dead = GaugeMetricFamily(
            "lapor_sync_dead_letters", "Outbox messages given up on (replay them from the hub console)", labels=["peer"]
        )
        lag = GaugeMetricFamily(
            "lapor_sync_lag_seconds", "Delivery lag over the last hour (created to delivered)", labels=["peer", "stat"]
        )
        for row in figures["out"]:
            peer = str(row["peer"])
            backlog.add_metric([peer], row["backlog"])
            oldest.add_metric([peer], row["oldest_undelivered_s"])
            failing.add_metric([peer], row["failing"])
            dead.add_metric([peer], row["dead_letters"])
            for stat in ("avg", "max"):
                value = row[f"lag_{stat}_s"]
                if value is not None:
                    lag.add_metric([peer, stat], value)
        received = GaugeMetricFamily(
            "lapor_sync_received_last_hour", "Messages applied from each sender in the last hour", labels=["peer"]
        )
        for row in figures["in"]:
            received.add_metric([str(row["peer"])], row["received_last_hour"])
        yield from (backlog, oldest, failing, dead, lag, received)
