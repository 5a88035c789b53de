"""Platform records that belong to no one app (public schema)."""

from __future__ import annotations

from django.db import models


class ProcessHeartbeat(models.Model):
    """Last time a background process (worker via beat) proved it is alive; shown by /readyz."""

    name = models.CharField(max_length=64, primary_key=True)
    last_seen = models.DateTimeField()

    class Meta:
        # Created by national_hub's first migration, before the model moved here; the table stays.
        db_table = "national_hub_processheartbeat"

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
