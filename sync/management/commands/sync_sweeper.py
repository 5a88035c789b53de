"""`manage.py sync_sweeper`: deliver pending outbox messages without the broker.

Beat runs the same sweep every LAPOR_SYNC_SWEEP_SECONDS through the broker; this process keeps
delivering when the broker itself is down (run it beside the workers, or alone in an outage).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from lapor.pooler import pooler_require
from sync import outbox
from sync.delivery import outbox_sweep

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Deliver due outbox messages in a loop (or once with --once), without using the broker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to wait when nothing is due")

    def handle(self, *args: Any, **options: Any) -> None:
        # Messages this process writes (hub routing, forwards) are delivered by its own next
        # sweep; queuing them would block on a broker that may be down.
        outbox.QUEUE_ON_COMMIT = False
        try:
            pooler_require()  # never behind a transaction-mode PgBouncer (lapor.pooler)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        while True:
            try:
                outcomes = outbox_sweep()
            except Exception:  # e.g. a notification queued on commit while the broker is down
                # What was delivered is committed; log, breathe, carry on with the rest.
                logger.exception("sync sweeper: sweep failed; retrying")
                time.sleep(options["interval"])
                continue
            if options["once"]:
                self.stdout.write(str(outcomes))
                return
            if not outcomes:
                time.sleep(options["interval"])
