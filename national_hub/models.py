"""Hub-side records that are not tenant data."""

from __future__ import annotations

from django.db import models


class ProcessHeartbeat(models.Model):
    """Last time a background process (worker via beat) proved it is alive; shown by /readyz."""

    name = models.CharField(max_length=64, primary_key=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
