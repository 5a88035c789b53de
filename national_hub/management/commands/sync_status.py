"""`manage.py sync_status`: backlog, oldest undelivered, lag, failures and dead letters per peer, and hub triage."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from national_hub.triage import triage_counts
from sync.metrics import sync_metrics


class Command(BaseCommand):
    help = "Show the sync backlog per peer and direction (--json for machines)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        metrics = sync_metrics()
        metrics.update(triage_counts())
        if options["json"]:
            self.stdout.write(json.dumps(metrics, default=str))
            return
        self.stdout.write("out (this deployment -> peer)")
        self.stdout.write(f"  {'peer':<14}{'backlog':>8}{'oldest_s':>10}{'failing':>9}{'dead':>6}{'lag_avg_s':>11}")
        for row in metrics["out"]:
            self.stdout.write(
                f"  {row['peer']:<14}{row['backlog']:>8}{row['oldest_undelivered_s']:>10}{row['failing']:>9}"
                f"{row['dead_letters']:>6}{row['lag_avg_s'] if row['lag_avg_s'] is not None else '-':>11}"
            )
        self.stdout.write("in (peer -> this deployment, last hour)")
        for row in metrics["in"]:
            self.stdout.write(f"  {row['peer']:<14}{row['received_last_hour']:>8}")
        self.stdout.write(f"hub triage queue: {metrics['triage']} ({metrics['triage_overdue']} past their SLA)")
        for dead in metrics["dead_letters"]:
            self.stdout.write(f"dead letter {dead['id']} -> {dead['recipient']} {dead['kind']}: {dead['last_error']}")
