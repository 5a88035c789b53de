"""One row per open SLA clock of any report in any Pemda, in the public schema.

Rows are written in the same transaction as the report change that sets or stops the clock
(a tenant's search_path includes public), so the index is never out of step with the reports.
The periodic scan reads only rows whose `next_action_at` has come: one indexed query, however
many of the 552 Pemda are quiet.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    VERIFY = "verify", _("verifikasi")
    RESPONSE = "response", _("tindak lanjut pertama")
    AUTOCLOSE = "autoclose", _("tutup otomatis")
    # One per tenant (report_id 0): pending notifications to re-send if their batch was lost.
    NOTIFY = "notify", _("notifikasi tertunda")
    # One per schema (report_id 0, the hub's public one included): channel messages to (re)send.
    CHANNEL = "channel", _("pesan kanal tertunda")


class Stage(models.IntegerChoices):
    PENDING = 0, _("berjalan")
    REMINDED = 1, _("pengingat terkirim")
    BREACHED = 2, _("terlambat: kepala unit")
    ESCALATED_ADMIN = 3, _("terlambat: admin Pemda")
    ESCALATED_PIMPINAN = 4, _("terlambat: pimpinan")


class DueDeadline(models.Model):
    schema_name = models.CharField(max_length=63)
    report_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=DeadlineKind.choices)
    due_at = models.DateTimeField()
    stage = models.SmallIntegerField(choices=Stage.choices, default=Stage.PENDING)
    # When the scan should next act on this clock; NULL once nothing more is to be done.
    next_action_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schema_name", "report_id", "kind"], name="deadline_unique_clock"),
        ]
        indexes = [
            models.Index(
                fields=["next_action_at"], name="deadline_next_action", condition=models.Q(next_action_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schema_name}#{self.report_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"
