"""Aggregates of one Pemda (tenant schema), kept up to date by performance.aggregate.

ReportFact is each report's last counted contribution, so a change is applied as a difference
(new minus old) and replaying an event changes nothing. The aggregates are sums of facts:
`manage.py performance_rebuild` recomputes them from the reports and must give the same figures.
"""

from __future__ import annotations

from django.db import models


class StatsCursor(models.Model):
    """The last audit event whose report has been counted (one row)."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"audit event {self.last_event_id}"


class ReportFact(models.Model):
    """What one report contributes to the aggregates now (see performance.measures.fact_of)."""

    report_id = models.BigIntegerField(primary_key=True)
    unit_id = models.BigIntegerField(default=0)  # 0: not disposed to a unit (yet)
    category_id = models.BigIntegerField()
    month = models.DateField()  # local month of submission, its first day
    week = models.DateField()  # local week of submission, its Monday
    verified = models.BooleanField(default=False)
    verified_on_time = models.BooleanField(default=False)
    disposed = models.BooleanField(default=False)
    first_minutes = models.IntegerField(null=True)
    first_on_time = models.BooleanField(default=False)
    answer_minutes = models.IntegerField(null=True)
    completed = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    rating = models.SmallIntegerField(null=True)
    breaches = models.SmallIntegerField(default=0)
    open = models.BooleanField(default=False)
    day = models.DateField(null=True)
    kecamatan = models.CharField(max_length=100, default="")

    def __str__(self) -> str:
        return f"report {self.report_id} @ unit {self.unit_id}"


class UnitMonthStats(models.Model):
    """Counters of the reports one unit handles, by category and month of submission."""

    unit_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    month = models.DateField()
    received = models.IntegerField(default=0)
    verified = models.IntegerField(default=0)
    verified_on_time = models.IntegerField(default=0)
    disposed = models.IntegerField(default=0)
    first_n = models.IntegerField(default=0)
    first_on_time = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_n = models.IntegerField(default=0)
    breaches = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "category_id", "month"], name="unitmonth_once")]
        indexes = [models.Index(fields=["month", "unit_id"], name="unitmonth_month")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} category {self.category_id} {self.month:%Y-%m}"


class UnitMonthHistogram(models.Model):
    """How many reports took how long (a bucket of working hours), per unit, month and measure."""

    unit_id = models.BigIntegerField()
    month = models.DateField()
    measure = models.CharField(max_length=8)  # "first" | "answer"
    bucket = models.SmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "month", "measure", "bucket"], name="unithist_once")]
        indexes = [models.Index(fields=["month", "measure"], name="unithist_month")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} {self.month:%Y-%m} {self.measure}[{self.bucket}]"


class UnitWeekStats(models.Model):
    """Weekly counts for the trend lines."""

    unit_id = models.BigIntegerField()
    week = models.DateField()
    received = models.IntegerField(default=0)
    first_n = models.IntegerField(default=0)
    first_on_time = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "week"], name="unitweek_once")]
        indexes = [models.Index(fields=["week"], name="unitweek_week")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} week of {self.week}"


class AreaDayStats(models.Model):
    """Reports received per local day, category and kecamatan ("" when the reporter named none):
    the early warning's history and the open data's counts."""

    day = models.DateField()
    category_id = models.BigIntegerField()
    kecamatan = models.CharField(max_length=100, default="")
    received = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "category_id", "kecamatan"], name="areaday_once")]
        indexes = [models.Index(fields=["category_id", "day"], name="areaday_category")]

    def __str__(self) -> str:
        return f"{self.day} category {self.category_id} {self.kecamatan or '-'}"


class SpikeAlert(models.Model):
    """A day whose reports of one category (in the whole Pemda, or one kecamatan) far exceed the
    same weekday's history (performance.warning): flagged once, and extended while it lasts."""

    category_id = models.BigIntegerField()
    kecamatan = models.CharField(max_length=100, default="")  # "": the whole Pemda
    first_day = models.DateField()
    last_day = models.DateField()
    count = models.IntegerField()  # the highest day's count so far
    usual_low = models.IntegerField()
    usual_high = models.IntegerField()
    flagged_at = models.DateTimeField()
    # When the Pemda's pimpinan were e-mailed (None: still to do; the next drain retries).
    notified_at = models.DateTimeField(null=True)
    version = models.IntegerField(default=1)  # bumped on every change the hub must see

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category_id", "kecamatan", "first_day"], name="spike_once")]
        indexes = [models.Index(fields=["-last_day"], name="spike_recent")]

    def __str__(self) -> str:
        return f"category {self.category_id} {self.kecamatan or '*'} {self.first_day}..{self.last_day}"
