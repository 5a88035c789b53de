"""Messages to reporters and officers: written in the change's transaction, sent by a task on commit.

E-mail today; SMS and other channels plug into `notification_deliver` later. Delivery is
idempotent (a row is sent once, claimed under a row lock), so task retries are harmless.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Membership, Role
from complaints.intake import model_new
from complaints.models import LinkRole, Notification, NotificationStatus, ReferralLink, Report
from complaints.relay import notification_send_on_commit
from deadlines.services import NOTIFY_CLOCK_SQL, notify_clock_params
from lapor.crypto import decrypt
from tenants.context import current_tenant

MAX_ATTEMPTS = 5
# Hooks that may send a reporter's notification through the channel the report came by (SMS,
# WhatsApp: channels.outbound.notification_by_channel); True means taken, so no e-mail goes.
reporter_channels: list[Any] = []
BY_CHANNEL = ("sms", "whatsapp", "twitter")
# A notification's batch normally leaves within a second (complaints.relay); after this the sweep sends it anyway.
NOTIFY_SWEEP_AFTER = timedelta(minutes=2)

_REPORTER_TEXT: dict[str, tuple[str, str]] = {
    # event: (subject, body) — formatted with the report's fields; translated to the report's language.
    "submitted": (
        gettext_noop("Laporan %(tid)s diterima"),
        gettext_noop('Laporan Anda "%(title)s" diterima oleh %(pemda)s dengan nomor pelacakan %(tid)s.'),
    ),
    "deferred": (
        gettext_noop("Laporan %(tid)s memerlukan keterangan"),
        gettext_noop("Verifikator meminta keterangan tambahan: %(extra)s"),
    ),
    "disposed": (
        gettext_noop("Laporan %(tid)s diteruskan"),
        gettext_noop("Laporan Anda diteruskan ke %(extra)s untuk ditindaklanjuti."),
    ),
    "followup": (gettext_noop("Tanggapan atas laporan %(tid)s"), "%(extra)s"),
    "answered": (
        gettext_noop("Jawaban akhir laporan %(tid)s"),
        gettext_noop(
            "%(extra)s\n\nJika Anda tidak membalas dalam 10 hari kerja, laporan akan ditutup. Anda dapat memberi "
            "penilaian atau membuka kembali laporan."
        ),
    ),
    "referred": (
        gettext_noop("Laporan %(tid)s dirujuk"),
        gettext_noop("Laporan Anda bukan wewenang %(pemda)s dan dirujuk ke: %(extra)s"),
    ),
    "archived": (
        gettext_noop("Laporan %(tid)s diarsipkan"),
        gettext_noop("Laporan Anda diarsipkan dengan alasan: %(extra)s"),
    ),
    "merged": (
        gettext_noop("Laporan %(tid)s digabung"),
        gettext_noop(
            "Laporan Anda digabung dengan laporan %(extra)s yang membahas hal yang sama; Anda tetap menerima kabarnya."
        ),
    ),
    "closed": (
        gettext_noop("Laporan %(tid)s selesai"),
        gettext_noop("Laporan Anda ditutup. Terima kasih telah menggunakan LAPOR!."),
    ),
}

_OFFICER_TEXT: dict[str, tuple[str, str]] = {
    "disposed": (
        gettext_noop("Disposisi baru: %(tid)s"),
        gettext_noop('Laporan "%(title)s" didisposisikan ke unit Anda: %(extra)s'),
    ),
    "reminder": (
        gettext_noop("Pengingat tenggat: %(tid)s"),
        gettext_noop('Tenggat %(extra)s laporan "%(title)s" berakhir dalam 24 jam.'),
    ),
    "breach": (
        gettext_noop("Tenggat terlewat: %(tid)s"),
        gettext_noop('Tenggat %(extra)s laporan "%(title)s" terlewat dan dieskalasi.'),
    ),
    "reporter_reply": (
        gettext_noop("Balasan pelapor: %(tid)s"),
        gettext_noop('Pelapor membalas laporan "%(title)s": %(extra)s'),
    ),
}


# Message catalogs are loaded once per process and never change under it, so each template's
# translation is looked up once per language rather than switching the active language per call.
_translated: dict[tuple[str, str, str], tuple[str, str]] = {}


def _render(
    table: dict[str, tuple[str, str]], event: str, report: Report, extra: str, language: str
) -> tuple[str, str]:
    subject, body = table[event]
    key = (subject, body, language)
    if key not in _translated:
        with translation.override(language):
            _translated[key] = (_(subject), _(body))
    subject, body = _translated[key]
    params = {"tid": report.tracking_id, "title": report.title, "pemda": current_tenant().name, "extra": extra}
    return subject % params, body % params


def reporter_notification(*, report: Report, event: str, extra: str = "") -> Notification | None:
    """The (unsaved) message to this report's reporter, or None when they left no address.

    A report that came by SMS or WhatsApp is told through that channel (its hook in
    `reporter_channels`); its receipt was the channel's own reply, so "submitted" is not repeated.
    """
    # An X reporter has no phone: the post it came by is its address (when no e-mail was given).
    by_channel = report.channel in BY_CHANNEL and (
        bool(report.reporter_phone) or (report.channel == "twitter" and not report.reporter_email)
    )
    if by_channel and event == "submitted":
        return None
    if not report.reporter_email and not by_channel:
        return None
    subject, body = _render(_REPORTER_TEXT, event, report, extra, report.language)
    return model_new(  # type: ignore[no-any-return]
        Notification,
        {"report_id": report.pk, "to_reporter": True, "event": event, "subject": subject, "body": body},
    )


def notify_reporter(*, report: Report, event: str, extra: str = "") -> None:
    """Tell the reporter (and reporters of reports merged into this one). Call inside the change's transaction.

    A report received as a referral tells nobody: the citizen follows it where it was filed, and
    that end tells them of each follow-up (complaints.referrals.services.origin_update_notify),
    so every message reaches them once.
    """
    if ReferralLink.objects.filter(report_id=report.pk, role=LinkRole.RECEIVER).exists():
        return
    for target in [report, *Report.objects.filter(merged_into=report)]:
        notification = reporter_notification(report=target, event=event, extra=extra)
        if notification is not None:
            _queue(notification)


def notify_users(*, user_ids: set[int], report: Report, event: str, extra: str = "") -> None:
    subject, body = _render(_OFFICER_TEXT, event, report, extra, "id")
    for user_id in sorted(user_ids):
        _queue(Notification(report=report, user_id=user_id, event=event, subject=subject, body=body))


def unit_staff_ids(*, unit_id: int, roles: tuple[str, ...] = (Role.UNIT_HEAD, Role.UNIT_OFFICER)) -> set[int]:
    return set(
        Membership.objects.filter(
            tenant_id=current_tenant().pk, unit_id=unit_id, role__in=roles, is_active=True
        ).values_list("user_id", flat=True)
    )


def role_holder_ids(*, roles: tuple[str, ...]) -> set[int]:
    return set(
        Membership.objects.filter(tenant_id=current_tenant().pk, role__in=roles, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _queue(notification: Notification) -> None:
    notification.save()
    notification_pending_clock()
    notification_send_on_commit(notification_id=notification.pk)


def notification_pending_clock() -> None:
    """Make sure the public index will bring the sweep here if the relay's batch is ever lost."""
    with connection.cursor() as cursor:
        cursor.execute(NOTIFY_CLOCK_SQL, notify_clock_params(at=timezone.now() + NOTIFY_SWEEP_AFTER))


def notifications_sweep() -> tuple[int, bool]:
    """Re-queue notifications still pending a while after they were written (their batch was lost).

    Returns how many were re-queued and whether younger ones are still pending (the clock stays).
    """
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    stale = list(
        pending.filter(created_at__lte=timezone.now() - NOTIFY_SWEEP_AFTER / 2).values_list("pk", flat=True)[:5000]
    )
    for notification_id in stale:
        notification_send_on_commit(notification_id=notification_id)
    return len(stale), bool(stale) or pending.exists()


def notification_deliver(*, notification_id: int) -> str:
    """Send one pending notification; idempotent (a sent one is never sent again).

    A failed send is recorded and then raised, so the task retries with back-off.
    """
    error: Exception | None = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("report")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return "nothing to do"
        if notification.to_reporter and any(hook(notification) for hook in reporter_channels):
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.save(update_fields=["status", "sent_at"])
            return "channel"
        address = _address(notification)
        if not address:
            notification.status = NotificationStatus.SKIPPED
            notification.save(update_fields=["status"])
            return "skipped"
        notification.attempts += 1
        try:
            send_mail(notification.subject, notification.body, None, [address], fail_silently=False)
        except Exception as exc:  # SMTP errors of every kind: record, retry later
            error = exc
            notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    if error is not None:
        raise error
    return "sent"


def _address(notification: Notification) -> str:
    if notification.to_reporter:
        return decrypt(notification.report.reporter_email) if notification.report else ""
    if notification.user_id is None:
        return ""
    user: Any = get_user_model().objects.filter(pk=notification.user_id).first()
    return user.email if user is not None else ""
