"""The hub's record of every referral it routes (public schema)."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _


class HubStatus(models.TextChoices):
    ROUTED = "routed", _("Diteruskan ke penerima")
    ACCEPTED = "accepted", _("Diterima penerima")
    ANSWERED = "answered", _("Dijawab")
    CLOSED = "closed", _("Selesai")
    TRIAGE = "triage", _("Antrean triase hub")


class TargetKind(models.TextChoices):
    """Who works a routed referral: a Pemda of this deployment, another deployment, or a K/L."""

    PEMDA = "pemda", _("Pemda di deployment ini")
    PEER = "peer", _("Deployment lain")
    KL = "kl", _("K/L")


class HubReferral(models.Model):
    """The hub's record of one referral: where it went, its state, and the triage queue."""

    referral_key = models.CharField(max_length=80, unique=True)
    # Where updates for the origin go (a local Pemda code or a Peer) and the origin party there.
    origin = models.CharField(max_length=40)
    origin_party = models.CharField(max_length=40)
    origin_name = models.CharField(max_length=200, blank=True)
    tracking_id = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    category_code = models.CharField(max_length=40, blank=True)
    region_code = models.CharField(max_length=13, blank=True)
    target_code = models.CharField(max_length=40, blank=True)
    target_kind = models.CharField(max_length=10, blank=True)  # TargetKind, or "" while in triage
    status = models.CharField(max_length=16, choices=HubStatus.choices)
    # Bumped on every state change the origin must see; the origin applies only newer versions.
    version = models.PositiveIntegerField(default=1)
    # The newest version the current receiver has reported (older or stale updates are ignored).
    receiver_version = models.PositiveIntegerField(default=0)
    return_reason = models.TextField(blank=True)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    # When the hub operators were alerted that this item passed its triage SLA (kept as the record).
    triage_escalated_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict)
    followups = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When the current receiver got it: a K/L's response time runs from here.
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Created by sync's migrations before the hub's rules moved here; the table stays.
        db_table = "sync_hubreferral"
        verbose_name = _("rujukan di hub")
        verbose_name_plural = _("rujukan di hub")
        indexes = [
            models.Index(fields=["status", "target_code"], name="hubref_status_target"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.origin}->{self.target_code or 'triase'} [{self.status}]"


class HubFiling(models.Model):
    """A report a citizen filed at the hub, and the Pemda that holds it: how the hub's Lacak finds it."""

    tracking_id = models.CharField(max_length=12)
    pemda = models.ForeignKey("tenants.Pemda", on_delete=models.CASCADE, related_name="+")
    # Referred on at once to the national government (a K/L matter filed at the hub).
    national = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tracking_id"], name="hubfiling_tracking")]

    def __str__(self) -> str:
        return f"{self.tracking_id} @ {self.pemda_id}"


class PemdaStatsMonth(models.Model):
    """A Pemda's totals of one month as it last reported them (stats.update), for the league tables."""

    pemda_code = models.CharField(max_length=13)
    pemda_name = models.CharField(max_length=200)
    month = models.DateField()
    version = models.BigIntegerField()
    # {category code: {counter: n}} and {bucket: n} of the first-response and final-answer times.
    categories = models.JSONField(default=dict)
    first_hist = models.JSONField(default=dict)
    answer_hist = models.JSONField(default=dict)
    # Totals over the categories, kept beside them so a league table sums plain columns.
    received = models.IntegerField(default=0)
    first_n = models.IntegerField(default=0)
    first_on_time = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    disposed = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_n = models.IntegerField(default=0)
    breaches = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pemda_code", "month"], name="pemda_stats_month_once")]
        indexes = [models.Index(fields=["month"], name="pemda_stats_month")]

    def __str__(self) -> str:
        return f"{self.pemda_code} {self.month:%Y-%m} v{self.version}"


class KlReferralFact(models.Model):
    """What one referral contributes to its K/L's figures now (national_hub.kl_stats)."""

    referral_key = models.CharField(max_length=80, unique=True)
    target_code = models.CharField(max_length=40)
    category_code = models.CharField(max_length=40)
    month = models.DateField()  # month (WIB) it was routed to the K/L
    first_minutes = models.IntegerField(null=True)
    first_on_time = models.BooleanField(default=False)
    answer_minutes = models.IntegerField(null=True)
    completed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.referral_key} @ {self.target_code}"


class KlStatsMonth(models.Model):
    """Counters of the referrals one K/L works, by category and month routed (the K/L league)."""

    target_code = models.CharField(max_length=40)
    category_code = models.CharField(max_length=40)
    month = models.DateField()
    received = models.IntegerField(default=0)
    first_n = models.IntegerField(default=0)
    first_on_time = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_code", "category_code", "month"], name="kl_stats_month_once")
        ]
        indexes = [models.Index(fields=["month"], name="kl_stats_month")]

    def __str__(self) -> str:
        return f"{self.target_code} {self.category_code} {self.month:%Y-%m}"


class KlStatsHistogram(models.Model):
    """How many referrals a K/L answered in how many working hours (a bucket), by month and measure."""

    target_code = models.CharField(max_length=40)
    month = models.DateField()
    measure = models.CharField(max_length=8)  # "first" | "answer"
    bucket = models.SmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_code", "month", "measure", "bucket"], name="kl_hist_once")
        ]

    def __str__(self) -> str:
        return f"{self.target_code} {self.month:%Y-%m} {self.measure}[{self.bucket}]"


class HubSpikeAlert(models.Model):
    """A spike a Pemda flagged (spike.alert through sync), shown in the hub console's early warning."""

    pemda_code = models.CharField(max_length=13)
    pemda_name = models.CharField(max_length=200)
    alert_id = models.BigIntegerField()  # the Pemda's own SpikeAlert id
    version = models.BigIntegerField(default=0)
    category_code = models.CharField(max_length=40)
    category_label = models.CharField(max_length=120)
    kecamatan = models.CharField(max_length=100, blank=True)
    first_day = models.DateField()
    last_day = models.DateField()
    count = models.IntegerField()
    usual_low = models.IntegerField()
    usual_high = models.IntegerField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pemda_code", "alert_id"], name="hub_spike_once")]
        indexes = [models.Index(fields=["-last_day"], name="hub_spike_recent")]

    def __str__(self) -> str:
        return f"{self.pemda_code} {self.category_code} {self.first_day}"


@pgtrigger.register(pgtrigger.Protect(name="checkpoint_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class AuditCheckpoint(models.Model):
    """A Pemda's audit-chain head as it reported it one day (audit.checkpoint), signed by the hub.

    Append-only (a trigger refuses UPDATE and DELETE): the statement is the exact text the hub
    signed with its Ed25519 key (national_hub.checkpoints), published with the signature so
    anyone can check a report's history against it.
    """

    pemda_code = models.CharField(max_length=40)
    pemda_name = models.CharField(max_length=200, blank=True)
    day = models.DateField()
    position = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    head_at = models.DateTimeField()
    message_id = models.UUIDField()
    received_at = models.DateTimeField()
    statement = models.TextField()
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pemda_code", "day"], name="checkpoint_one_per_day")]
        indexes = [models.Index(fields=["pemda_code", "position"], name="checkpoint_pemda_position")]

    def __str__(self) -> str:
        return f"{self.pemda_code} {self.day} #{self.position}"


class CheckpointAlarm(models.Model):
    """A checkpoint the hub refused because it contradicts one it signed before (sync health page)."""

    pemda_code = models.CharField(max_length=40)
    day = models.DateField(null=True)
    position = models.BigIntegerField(null=True)
    head_hash = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    message_id = models.UUIDField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-received_at"], name="checkpoint_alarm_recent")]

    def __str__(self) -> str:
        return f"{self.pemda_code} {self.reason} ({self.day})"
