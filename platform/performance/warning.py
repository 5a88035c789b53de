"""Early warning: a day whose reports of one category far exceed what that weekday usually brings.

Each series is one category in the whole Pemda, or one category in one kecamatan. Its history
is the same weekday in the previous HISTORY_WEEKS weeks (so a Monday, busy every week, is
compared with Mondays). A day is a spike when its count reaches MIN_SPIKE, is at least FACTOR
times the highest of those days, and would happen by chance less than once in a thousand times
if reports arrived at the history's average rate (Poisson). Checked by the aggregates' drain for
the series that changed today, so a spike is flagged within seconds of the report that makes it.

A spike is flagged once: while it lasts (the series spikes again the next day) the same alert
is extended and its peak raised, never repeated. A new alert is e-mailed to the Pemda's pimpinan
(after commit; one not yet sent is retried by the next drain), shown on their dashboard, and
sent to the hub (kind `spike.alert`) for its console. A Pemda without four weeks of history is
not judged: everything would look like a spike on its first days.

Written here: a weekday baseline and a Poisson tail are a few lines; a forecasting library would
need far more history than a new Pemda has and could not say "usually 3-8".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints.models import Category
from complaints.selectors import tenant_calendar
from performance.models import AreaDayStats, SpikeAlert
from sync.outbox import outbox_write
from sync.parties import HUB, current_party, upstream
from tenants.context import current_tenant

logger = logging.getLogger(__name__)

HISTORY_WEEKS = 8
MIN_SPIKE = 10
FACTOR = 2
P_VALUE = 0.001
MIN_HISTORY_DAYS = 28


@dataclass(frozen=True)
class Judgement:
    count: int
    usual_low: int
    usual_high: int
    spike: bool


def poisson_tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean)."""
    if count <= 0:
        return 1.0
    term = math.exp(-mean)
    below = term
    for k in range(1, count):
        term *= mean / k
        below += term
    return max(0.0, 1.0 - below)


def judge(count: int, history: list[int]) -> Judgement:
    """Whether `count` is a spike against the same weekday's counts in earlier weeks."""
    low, high = (min(history), max(history)) if history else (0, 0)
    mean = max(sum(history) / len(history), 1.0) if history else 1.0
    spike = count >= MIN_SPIKE and count >= FACTOR * max(high, 1) and poisson_tail(count, mean) < P_VALUE
    return Judgement(count=count, usual_low=low, usual_high=high, spike=spike)


def _history_days(day: date) -> list[date]:
    return [day - timedelta(weeks=k) for k in range(1, HISTORY_WEEKS + 1)]


def _series_counts(category_id: int, kecamatan: str | None, day: date) -> tuple[int, list[int]]:
    days = [day, *_history_days(day)]
    rows = AreaDayStats.objects.filter(category_id=category_id, day__in=days)
    if kecamatan is not None:
        rows = rows.filter(kecamatan=kecamatan)
    found = dict(rows.values("day").annotate(n=Sum("received")).values_list("day", "n"))
    return int(found.get(day, 0)), [int(found.get(d, 0)) for d in days[1:]]


def spikes_check(changed: Iterable[tuple[date, int, str]], *, today: date | None = None) -> list[SpikeAlert]:
    """Judge the series whose counts of today changed; returns the alerts created or extended.

    Call inside the drain's transaction, after its sums are written.
    """
    today = today or timezone.now().astimezone(tenant_calendar().tz).date()
    series: dict[tuple[int, str | None], None] = {}
    for day, category_id, kecamatan in changed:
        if day == today:
            series[(category_id, None)] = None
            if kecamatan:
                series[(category_id, kecamatan)] = None
    if not series or not AreaDayStats.objects.filter(day__lte=today - timedelta(days=MIN_HISTORY_DAYS)).exists():
        return []
    touched = []
    for category_id, area in series:
        judgement = judge(*_series_counts(category_id, area, today))
        if judgement.spike:
            touched.append(_flag(category_id, area or "", today, judgement))
    return touched


def _flag(category_id: int, kecamatan: str, today: date, judgement: Judgement) -> SpikeAlert:
    ongoing = (
        SpikeAlert.objects.select_for_update()
        .filter(category_id=category_id, kecamatan=kecamatan, last_day__gte=today - timedelta(days=1))
        .order_by("-first_day")
        .first()
    )
    if ongoing is not None:
        if ongoing.last_day == today and ongoing.count >= judgement.count:
            return ongoing
        ongoing.last_day = today
        ongoing.count = max(ongoing.count, judgement.count)
        ongoing.version += 1
        ongoing.save(update_fields=["last_day", "count", "version"])
        _tell_hub(ongoing)
        return ongoing
    alert = SpikeAlert.objects.create(
        category_id=category_id,
        kecamatan=kecamatan,
        first_day=today,
        last_day=today,
        count=judgement.count,
        usual_low=judgement.usual_low,
        usual_high=judgement.usual_high,
        flagged_at=timezone.now(),
    )
    logger.info("spike flagged: category %s kecamatan %r count %s", category_id, kecamatan, judgement.count)
    _tell_hub(alert)
    transaction.on_commit(spikes_notify, robust=True)
    return alert


def _tell_hub(alert: SpikeAlert) -> None:
    party = current_party()
    category = Category.objects.filter(pk=alert.category_id).first()
    outbox_write(
        sender=party,
        recipient=upstream() or HUB,
        to_party=HUB,
        kind="spike.alert",
        referral_key=f"spike/{party}/{alert.pk}",
        version=alert.version,
        body={
            "pemda": party,
            "name": current_tenant().name,
            "alert": alert.pk,
            "category": category.code if category else "",
            "category_label": category.label if category else "",
            "kecamatan": alert.kecamatan,
            "first_day": alert.first_day.isoformat(),
            "last_day": alert.last_day.isoformat(),
            "count": alert.count,
            "usual_low": alert.usual_low,
            "usual_high": alert.usual_high,
        },
    )


def spike_sentence(
    *, category_label: str, pemda_name: str, kecamatan: str, count: int, low: int, high: int, day: date, today: date
) -> str:
    """What a person reads: "Laporan banjir di Kota Bekasi: 42 hari ini, biasanya 3–8"."""  # noqa: RUF002
    place = (
        _("Kecamatan %(kecamatan)s, %(pemda)s") % {"kecamatan": kecamatan, "pemda": pemda_name}
        if kecamatan
        else pemda_name
    )
    what = category_label[:1].lower() + category_label[1:]
    values = {"what": what, "place": place, "count": count, "low": low, "high": high}
    if day == today:
        return _("Laporan %(what)s di %(place)s: %(count)s hari ini, biasanya %(low)s–%(high)s") % values  # noqa: RUF001
    values["day"] = date_format(day, "j F Y")
    return _("Laporan %(what)s di %(place)s: %(count)s pada %(day)s, biasanya %(low)s–%(high)s") % values  # noqa: RUF001


def alert_sentence(alert: SpikeAlert, *, labels: dict[int, str] | None = None, today: date | None = None) -> str:
    label = (labels or {}).get(alert.category_id)
    if label is None:
        category = Category.objects.filter(pk=alert.category_id).first()
        label = category.label if category else ""
    return spike_sentence(
        category_label=label,
        pemda_name=current_tenant().name,
        kecamatan=alert.kecamatan,
        count=alert.count,
        low=alert.usual_low,
        high=alert.usual_high,
        day=alert.last_day,
        today=today or timezone.now().astimezone(tenant_calendar().tz).date(),
    )


def spikes_recent(*, days: int = 14) -> list[tuple[SpikeAlert, str]]:
    """The alerts of the last `days` days with their sentences, newest first (the dashboard's)."""
    today = timezone.now().astimezone(tenant_calendar().tz).date()
    alerts = list(SpikeAlert.objects.filter(last_day__gte=today - timedelta(days=days)).order_by("-last_day", "-pk"))
    labels = {c.pk: c.label for c in Category.objects.filter(pk__in={a.category_id for a in alerts})}
    return [(a, alert_sentence(a, labels=labels, today=today)) for a in alerts]


def spikes_notify() -> int:
    """E-mail the Pemda's pimpinan each alert not yet sent; returns how many were sent."""
    from accounts.models import Membership, Role

    tenant = current_tenant()
    to = sorted(
        {
            m.user.email
            for m in Membership.objects.filter(tenant=tenant, role=Role.PIMPINAN).select_related("user")
            if m.user.email and m.user.is_active
        }
    )
    sent = 0
    while True:
        try:
            with transaction.atomic():
                pending = SpikeAlert.objects.select_for_update(skip_locked=True).filter(notified_at__isnull=True)
                alert = pending.order_by("pk").first()
                if alert is None:
                    return sent
                if to:
                    with translation.override(settings.LANGUAGE_CODE):
                        sentence = alert_sentence(alert)
                        body = _(
                            "%(sentence)s.\n\nLihat peringatan dini dan kinerja SKPD di konsol: /konsol/kinerja/\n"
                        ) % {"sentence": sentence}
                        send_mail(_("Peringatan dini LAPOR!: %(s)s") % {"s": sentence}, body, None, to)
                alert.notified_at = timezone.now()
                alert.save(update_fields=["notified_at"])
                sent += 1
        except Exception:  # the mail server is down: the alert stays pending, the next drain retries
            logger.exception("spike alert e-mail failed")
            return sent
