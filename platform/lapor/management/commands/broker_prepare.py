"""Declare the deployment's Celery queues before its processes start (run by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lapor.celery import broker_prepare


class Command(BaseCommand):
    help = "Declare the default, notification and given Celery queues on the broker (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("queues", nargs="*", help="more queues to declare, e.g. a worker's own -Q")

    def handle(self, *args: Any, **options: Any) -> None:
        declared = broker_prepare(*options["queues"])
        self.stdout.write(f"broker queues ready: {', '.join(declared)}")
