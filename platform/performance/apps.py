from typing import Any

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Kinerja SKPD"

    def ready(self) -> None:
        from complaints.events import report_changed, tenant_sla_processed
        from lapor.relay import Relay

        def publish(schema: str, _items: list[Any]) -> None:
            from performance.tasks import stats_drain_task

            stats_drain_task.apply_async(headers={"_schema_name": schema})

        # One drain per Pemda per second at most, however many reports changed in it.
        relay = Relay("stats", flush_seconds=1.0, publish=publish)

        def changed(**_kwargs: Any) -> None:
            relay.on_commit()

        def swept(**_kwargs: Any) -> None:
            # The SLA scan visits every Pemda with pending work: a drain lost with its message is
            # made up here at the latest.
            from performance.aggregate import stats_drain

            stats_drain()

        report_changed.connect(changed, weak=False, dispatch_uid="performance.changed")
        tenant_sla_processed.connect(swept, weak=False, dispatch_uid="performance.swept")
