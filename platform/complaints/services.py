"""Every change to a report: one function per action, one transaction per call.

Each service checks the report's state first (so a retried task or request changes nothing
twice), records an audit event, moves the SLA clocks in the public deadline index, and queues
notifications, all inside the same transaction. Callers reach reports through complaints.access.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Unit
from complaints import events
from complaints.access import reporter_token_hash
from complaints.attachments import CheckedFile
from complaints.audit import Actor, audit_record
from complaints.intake import AlsoMaker, model_new, report_insert
from complaints.models import (
    Attachment,
    AuthorKind,
    CalendarDay,
    Category,
    Disposition,
    FollowUp,
    InternalNote,
    Privacy,
    Referral,
    Report,
    SlaBreach,
    Status,
)
from complaints.notifications import (
    NOTIFY_SWEEP_AFTER,
    notifications_sweep,
    notify_reporter,
    notify_users,
    reporter_notification,
    role_holder_ids,
    unit_staff_ids,
)
from complaints.referrals.outbound import referral_created, referral_news_send
from complaints.relay import notification_send_on_commit
from complaints.selectors import tenant_calendar, tenant_calendar_forget
from complaints.tracking import tracking_id_new
from deadlines.models import DeadlineKind, DueDeadline, Stage
from deadlines.services import deadline_advance, deadline_clear, deadline_set
from lapor.crypto import decrypt, encrypt
from lapor.errors import InvalidTransition
from lapor.lookup import email_hash, nik_hash, phone_hash
from lapor.metrics import SLA_BREACHES
from tenants.context import current_schema

VERIFY_DAYS = 3
RESPONSE_DAYS = 5
AUTOCLOSE_DAYS = 10
# A new tracking ID that meets an existing one is drawn again, this many times in all.
TRACKING_ID_ATTEMPTS = 3
TRACKING_ID_CONSTRAINT = "report_tracking_id_unique"

_OPEN_FOR_VERIFICATION = (Status.SUBMITTED, Status.DEFERRED)


@dataclass(frozen=True)
class ReporterIdentity:
    name: str = ""
    phone: str = ""
    email: str = ""
    nik: str = ""


@dataclass(frozen=True)
class Submission:
    report: Report
    reporter_token: str


def _refuse(report: Report, allowed: tuple[str, ...], action: str) -> None:
    if report.status not in allowed:
        raise InvalidTransition(
            _('Laporan berstatus "%(status)s" tidak dapat %(action)s.')
            % {"status": Status(report.status).label, "action": action}
        )


def report_save(report: Report, *fields: str, tell_peers: bool = True) -> None:
    """Write the changed fields with a new version. A report that is one end of a referral tells
    the other end in the same transaction, unless `tell_peers` is false (a referral arriving here
    again, which its sender already knows)."""
    report.version += 1
    report.save(update_fields=[*fields, "version"])
    if tell_peers:
        referral_news_send(report=report)
    events.report_changed.send(sender=Report, report_id=report.pk)


def report_submit(
    *,
    type: str,  # noqa: A002 - the API's field name
    category: Category,
    title: str,
    text: str,
    reporter: ReporterIdentity,
    privacy: str = Privacy.ANONIM_RAHASIA,
    channel: str = "web",
    language: str = "id",
    location: dict[str, Any] | None = None,
    attachments: list[CheckedFile] | None = None,
    also: AlsoMaker | None = None,
) -> Submission:
    """Take in a report from any channel; returns it with the reporter's secret token (shown once).

    `also` gives rows another app writes in the intake's own statement (complaints.intake.Also).

    One transaction; attachment files written before a failure are removed again, so a failed
    intake leaves neither a half-written report nor stray files.
    """
    written: list[str] = []
    try:
        # A single statement (complaints.intake): atomic without an explicit transaction.
        return _report_submit(
            type=type,
            category=category,
            title=title,
            text=text,
            reporter=reporter,
            privacy=privacy,
            channel=channel,
            language=language,
            location=location or {},
            attachments=attachments or [],
            written=written,
            also=also,
        )
    except BaseException:
        for stored in written:
            default_storage.delete(stored)
        raise


def _report_submit(
    *,
    type: str,  # noqa: A002
    category: Category,
    title: str,
    text: str,
    reporter: ReporterIdentity,
    privacy: str,
    channel: str,
    language: str,
    location: dict[str, Any],
    attachments: list[CheckedFile],
    written: list[str],
    also: AlsoMaker | None = None,
) -> Submission:
    if not category.is_active:
        raise ValidationError({"category": _("Kategori tidak aktif.")})
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    report = model_new(
        Report,
        {
            "tracking_id": tracking_id_new(),
            "type": type,
            "category_id": category.pk,
            "original_category_id": category.pk,
            "title": title,
            "original_title": title,
            "text": text,
            "privacy": privacy,
            "channel": channel,
            "language": language,
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
            "address": location.get("address", ""),
            "kecamatan": location.get("kecamatan", ""),
            "kelurahan": location.get("kelurahan", ""),
            "region_code": location.get("region_code", ""),
            "reporter_name": encrypt(reporter.name),
            "reporter_phone": encrypt(reporter.phone),
            "reporter_email": encrypt(reporter.email),
            "reporter_nik": encrypt(reporter.nik),
            "reporter_phone_hash": phone_hash(reporter.phone),
            "reporter_email_hash": email_hash(reporter.email),
            "reporter_nik_hash": nik_hash(reporter.nik),
            "reporter_token_hash": reporter_token_hash(token),
            "submitted_at": now,
        },
    )
    report.category = category
    report.verify_due_at = tenant_calendar().due_at(now, VERIFY_DAYS)
    stored = _store_attachments(report, attachments, written)
    for attempt in range(1, TRACKING_ID_ATTEMPTS + 1):
        notification = reporter_notification(report=report, event="submitted")
        inserted = report_insert(
            report=report,
            attachments=stored,
            notification=notification,
            notify_sweep_at=now + NOTIFY_SWEEP_AFTER,
            audit_data={
                "tracking_id": report.tracking_id,
                "channel": channel,
                "privacy": privacy,
                "category": category.code,
            },
            also=also(report) if also is not None else None,
        )
        if inserted is not None:
            _report_id, notification_id = inserted
            break
        # 40 random bits: among a Pemda's millions of reports a new ID can meet an old one.
        if attempt == TRACKING_ID_ATTEMPTS:
            raise IntegrityError(f"{TRACKING_ID_CONSTRAINT}: {TRACKING_ID_ATTEMPTS} tracking IDs drawn, all taken")
        report.tracking_id = tracking_id_new()
    if notification_id is not None:
        notification_send_on_commit(notification_id=notification_id)
    events.report_changed.send(sender=Report, report_id=report.pk)
    return Submission(report=report, reporter_token=token)


def _store_attachments(report: Report, files: list[CheckedFile], written: list[str]) -> list[Attachment]:
    """Write the files (names made here, never taken from the upload); rows are inserted by the caller."""
    rows = []
    for checked in files:
        name = f"{current_schema()}/reports/{report.tracking_id}/{secrets.token_hex(8)}.{checked.extension}"
        stored = default_storage.save(name, ContentFile(checked.content))
        written.append(stored)
        rows.append(
            Attachment(
                file=stored,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=hashlib.sha256(checked.content).hexdigest(),
                created_at=timezone.now(),
            )
        )
    return rows


@transaction.atomic
def report_verify(
    *,
    report: Report,
    actor: Actor,
    unit: Unit,
    title: str | None = None,
    category: Category | None = None,
    note: str = "",
) -> Report:
    """Verify and dispose in one step; the verifikator may correct title and category."""
    _refuse(report, _OPEN_FOR_VERIFICATION, _("diverifikasi"))
    now = timezone.now()
    corrections: dict[str, Any] = {}
    if title and title != report.title:
        corrections["title"] = {"from": report.title, "to": title}
        report.title = title
    if category is not None and category.pk != report.category_id:
        corrections["category"] = {"from": report.category.code, "to": category.code}
        report.category = category
    if corrections:
        audit_record(actor=actor, action="corrected", report_id=report.pk, data=corrections)
    report.verified_at = now
    report.paused_days_left = None
    report_save(report, "title", "category", "verified_at", "paused_days_left")
    deadline_clear(report_id=report.pk, kinds=[DeadlineKind.VERIFY])
    audit_record(actor=actor, action="verified", report_id=report.pk, data={})
    _dispose(report=report, actor=actor, unit=unit, note=note, now=now)
    return report


def _dispose(*, report: Report, actor: Actor, unit: Unit, note: str, now: datetime) -> None:
    previous = report.unit
    Disposition.objects.create(
        report=report, from_unit=previous, to_unit=unit, by_user_id=actor.user_id or 0, note=note, created_at=now
    )
    report.status = Status.DISPOSED
    report.unit = unit
    report.disposed_at = now
    fields = ["status", "unit", "disposed_at"]
    if report.first_response_at is None:
        report.response_due_at = tenant_calendar().due_at(now, RESPONSE_DAYS)
        fields.append("response_due_at")
        deadline_set(report_id=report.pk, kind=DeadlineKind.RESPONSE, due_at=report.response_due_at)
    report_save(report, *fields)
    audit_record(
        actor=actor,
        action="disposed",
        report_id=report.pk,
        data={"from_unit": previous.pk if previous else None, "to_unit": unit.pk, "note": note},
    )
    notify_users(user_ids=unit_staff_ids(unit_id=unit.pk), report=report, event="disposed", extra=unit.name)
    notify_reporter(report=report, event="disposed", extra=unit.name)


@transaction.atomic
def report_dispose(*, report: Report, actor: Actor, unit: Unit, note: str = "") -> Report:
    """Re-dispose a disposed report to another unit (access decides which units are allowed)."""
    _refuse(report, (Status.DISPOSED,), _("didisposisikan ulang"))
    if report.unit_id == unit.pk:
        raise InvalidTransition(_("Laporan sudah berada di unit tersebut."))
    _dispose(report=report, actor=actor, unit=unit, note=note, now=timezone.now())
    return report


@transaction.atomic
def report_defer(*, report: Report, actor: Actor, question: str) -> Report:
    """Tunda: ask the reporter for more information; the verification clock pauses."""
    _refuse(report, (Status.SUBMITTED,), _("ditunda"))
    if not question.strip():
        raise ValidationError({"question": _("Pertanyaan untuk pelapor wajib diisi.")})
    now = timezone.now()
    assert report.verify_due_at is not None
    report.paused_days_left = tenant_calendar().working_days_left(now, report.verify_due_at)
    report.status = Status.DEFERRED
    report.deferred_question = question
    report_save(report, "paused_days_left", "status", "deferred_question")
    deadline_clear(report_id=report.pk, kinds=[DeadlineKind.VERIFY])
    FollowUp.objects.create(
        report=report, author_kind=AuthorKind.OFFICER, author_user_id=actor.user_id, text=question, created_at=now
    )
    audit_record(actor=actor, action="deferred", report_id=report.pk, data={"days_left": report.paused_days_left})
    notify_reporter(report=report, event="deferred", extra=question)
    return report


@transaction.atomic
def report_refer(
    *, report: Report, actor: Actor, reason: str, target_code: str = "", target_hint: str = ""
) -> Referral:
    """Bukan wewenang: record a referral for the hub to deliver; never bounced back to the citizen."""
    _refuse(report, _OPEN_FOR_VERIFICATION, _("dirujuk"))
    if not reason.strip():
        raise ValidationError({"reason": _("Alasan rujukan wajib diisi.")})
    now = timezone.now()
    referral = Referral.objects.create(
        report=report,
        reason=reason,
        target_code=target_code,
        target_hint=target_hint,
        created_by=actor.user_id or 0,
        created_at=now,
    )
    report.status = Status.REFERRED
    report.paused_days_left = None
    report_save(report, "status", "paused_days_left")
    deadline_clear(report_id=report.pk)
    audit_record(
        actor=actor,
        action="referred",
        report_id=report.pk,
        data={"referral_id": referral.pk, "target_code": target_code, "target_hint": target_hint},
    )
    notify_reporter(report=report, event="referred", extra=target_hint or target_code or _("hub nasional"))
    # The referral leaves through the outbox in this transaction.
    referral_created(referral=referral)
    return referral


@transaction.atomic
def report_archive(*, report: Report, actor: Actor, reason: str) -> Report:
    _refuse(report, _OPEN_FOR_VERIFICATION, _("diarsipkan"))
    if not reason.strip():
        raise ValidationError({"reason": _("Alasan pengarsipan wajib diisi.")})
    report.status = Status.ARCHIVED
    report.archive_reason = reason
    report.closed_at = timezone.now()
    report_save(report, "status", "archive_reason", "closed_at")
    deadline_clear(report_id=report.pk)
    audit_record(actor=actor, action="archived", report_id=report.pk, data={"reason": reason})
    notify_reporter(report=report, event="archived", extra=reason)
    return report


@transaction.atomic
def followup_create(*, report: Report, actor: Actor, text: str, final: bool = False) -> FollowUp:
    """An officer's tindak lanjut; `final` marks the unit's answer and starts the auto-close window."""
    _refuse(report, (Status.DISPOSED,), _("ditanggapi"))
    if not text.strip():
        raise ValidationError({"text": _("Isi tanggapan wajib diisi.")})
    now = timezone.now()
    followup = FollowUp.objects.create(
        report=report,
        author_kind=AuthorKind.OFFICER,
        author_user_id=actor.user_id,
        unit=report.unit,
        text=text,
        is_final=final,
        created_at=now,
    )
    fields: list[str] = []
    if report.first_response_at is None:
        report.first_response_at = now
        fields.append("first_response_at")
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.RESPONSE])
    if final:
        report.status = Status.ANSWERED
        report.answered_at = now
        report.autoclose_due_at = tenant_calendar().due_at(now, AUTOCLOSE_DAYS)
        fields += ["status", "answered_at", "autoclose_due_at"]
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.RESPONSE])
        deadline_set(report_id=report.pk, kind=DeadlineKind.AUTOCLOSE, due_at=report.autoclose_due_at)
    report_save(report, *fields)
    audit_record(
        actor=actor, action="answered" if final else "followup", report_id=report.pk, data={"followup_id": followup.pk}
    )
    notify_reporter(report=report, event="answered" if final else "followup", extra=text)
    return followup


@transaction.atomic
def reporter_reply(*, report: Report, text: str) -> FollowUp:
    """The reporter writes back: answers a tunda, adds information, or disputes an answer."""
    _refuse(report, (Status.SUBMITTED, Status.DEFERRED, Status.DISPOSED, Status.ANSWERED), _("dibalas"))
    if not text.strip():
        raise ValidationError({"text": _("Isi balasan wajib diisi.")})
    now = timezone.now()
    followup = FollowUp.objects.create(report=report, author_kind=AuthorKind.REPORTER, text=text, created_at=now)
    if report.status == Status.DEFERRED:
        # The clock resumes with the working days that were left when it paused.
        report.status = Status.SUBMITTED
        report.verify_due_at = tenant_calendar().due_at(now, report.paused_days_left or 0)
        report.paused_days_left = None
        report_save(report, "status", "verify_due_at", "paused_days_left")
        deadline_set(report_id=report.pk, kind=DeadlineKind.VERIFY, due_at=report.verify_due_at)
        audit_record(actor=Actor.reporter(), action="resumed", report_id=report.pk, data={"followup_id": followup.pk})
        return followup
    if report.status == Status.ANSWERED:
        # Not silent: the answer is disputed, so the unit owes another response.
        _reopen(report=report, now=now)
    else:
        report_save(report)
    audit_record(
        actor=Actor.reporter(), action="reporter_reply", report_id=report.pk, data={"followup_id": followup.pk}
    )
    if report.unit_id:
        notify_users(user_ids=unit_staff_ids(unit_id=report.unit_id), report=report, event="reporter_reply", extra=text)
    return followup


def _reopen(*, report: Report, now: datetime) -> None:
    report.status = Status.DISPOSED
    report.response_due_at = tenant_calendar().due_at(now, RESPONSE_DAYS)
    report.first_response_at = None
    report.answered_at = None
    report.autoclose_due_at = None
    report.closed_at = None
    report.rating = None
    report.rating_comment = ""
    report_save(
        report,
        "status",
        "response_due_at",
        "first_response_at",
        "answered_at",
        "autoclose_due_at",
        "closed_at",
        "rating",
        "rating_comment",
    )
    deadline_clear(report_id=report.pk, kinds=[DeadlineKind.AUTOCLOSE])
    deadline_set(report_id=report.pk, kind=DeadlineKind.RESPONSE, due_at=report.response_due_at)


def report_can_reopen(report: Report, now: datetime | None = None) -> bool:
    """The reporter may reopen an answered (or rated and closed) report within the 10-day window."""
    now = now or timezone.now()
    return (
        report.status in (Status.ANSWERED, Status.CLOSED)
        and report.autoclose_due_at is not None
        and now <= report.autoclose_due_at
    )


@transaction.atomic
def report_reopen(*, report: Report, reason: str) -> Report:
    """The reporter reopens an answered report within the 10-working-day window."""
    now = timezone.now()
    if not report_can_reopen(report, now):
        raise InvalidTransition(_("Laporan hanya dapat dibuka kembali dalam 10 hari kerja setelah dijawab."))
    if not reason.strip():
        raise ValidationError({"reason": _("Alasan membuka kembali wajib diisi.")})
    FollowUp.objects.create(report=report, author_kind=AuthorKind.REPORTER, text=reason, created_at=now)
    _reopen(report=report, now=now)
    audit_record(actor=Actor.reporter(), action="reopened", report_id=report.pk, data={"reason": reason})
    if report.unit_id:
        notify_users(
            user_ids=unit_staff_ids(unit_id=report.unit_id), report=report, event="reporter_reply", extra=reason
        )
    return report


@transaction.atomic
def report_rate(*, report: Report, rating: int, comment: str = "") -> Report:
    """Rate the answer (1-5). Rating an answered report also closes it: the reporter is done."""
    _refuse(report, (Status.ANSWERED, Status.CLOSED), _("dinilai"))
    if report.rating is not None:
        raise InvalidTransition(_("Laporan ini sudah dinilai."))
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Nilai harus antara 1 dan 5.")})
    report.rating = rating
    report.rating_comment = comment
    fields = ["rating", "rating_comment"]
    if report.status == Status.ANSWERED:
        report.status = Status.CLOSED
        report.closed_at = timezone.now()
        fields += ["status", "closed_at"]
        deadline_clear(report_id=report.pk, kinds=[DeadlineKind.AUTOCLOSE])
    report_save(report, *fields)
    audit_record(actor=Actor.reporter(), action="rated", report_id=report.pk, data={"rating": rating})
    return report


@transaction.atomic
def report_autoclose(*, report_id: int) -> bool:
    """Close an answered report whose reporter stayed silent for the whole window. Idempotent."""
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    now = timezone.now()
    if report is None or report.status != Status.ANSWERED or report.autoclose_due_at is None:
        return False
    if now < report.autoclose_due_at:
        return False
    report.status = Status.CLOSED
    report.closed_at = now
    report_save(report, "status", "closed_at")
    deadline_clear(report_id=report.pk, kinds=[DeadlineKind.AUTOCLOSE])
    audit_record(actor=Actor.system(), action="autoclosed", report_id=report.pk, data={})
    notify_reporter(report=report, event="closed")
    return True


@transaction.atomic
def report_merge(*, duplicate: Report, into: Report, actor: Actor) -> Report:
    """Merge a duplicate into the report that carries the work; both reporters keep hearing of it."""
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("Laporan tidak dapat digabung dengan dirinya sendiri.")})
    _refuse(duplicate, (Status.SUBMITTED, Status.DEFERRED, Status.DISPOSED), _("digabung"))
    if into.status in (Status.MERGED, Status.ARCHIVED, Status.REFERRED):
        raise InvalidTransition(_("Laporan tujuan penggabungan tidak aktif."))
    duplicate.status = Status.MERGED
    duplicate.merged_into = into
    duplicate.closed_at = timezone.now()
    report_save(duplicate, "status", "merged_into", "closed_at")
    deadline_clear(report_id=duplicate.pk)
    audit_record(actor=actor, action="merged", report_id=duplicate.pk, data={"into": into.tracking_id})
    audit_record(actor=actor, action="merge_received", report_id=into.pk, data={"from": duplicate.tracking_id})
    notify_reporter(report=duplicate, event="merged", extra=into.tracking_id)
    return duplicate


@transaction.atomic
def note_create(*, report: Report, actor: Actor, text: str) -> InternalNote:
    """An internal note for colleagues; the reporter and the public never see it."""
    if not text.strip():
        raise ValidationError({"text": _("Isi catatan wajib diisi.")})
    note = InternalNote.objects.create(
        report=report, author_user_id=actor.user_id or 0, author_label=actor.label, text=text, created_at=timezone.now()
    )
    audit_record(actor=actor, action="note_added", report_id=report.pk, data={"note_id": note.pk})
    return note


@transaction.atomic
def identity_reveal(*, report: Report, actor: Actor, reason: str) -> ReporterIdentity:
    """The verifikator sees an anonim reporter's identity; every reveal is audited with its reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Alasan membuka identitas wajib diisi.")})
    audit_record(actor=actor, action="identity_revealed", report_id=report.pk, data={"reason": reason})
    return reporter_identity(report)


def reporter_identity(report: Report) -> ReporterIdentity:
    return ReporterIdentity(
        name=decrypt(report.reporter_name),
        phone=decrypt(report.reporter_phone),
        email=decrypt(report.reporter_email),
        nik=decrypt(report.reporter_nik),
    )


@transaction.atomic
def calendar_day_set(*, actor: Actor, date: Any, kind: str, name: str) -> CalendarDay:
    day, _created = CalendarDay.objects.update_or_create(date=date, defaults={"kind": kind, "name": name})
    audit_record(actor=actor, action="calendar_changed", report_id=None, data={"date": date, "kind": kind})
    transaction.on_commit(tenant_calendar_forget)
    tenant_calendar_forget()
    return day


# --- SLA clocks --------------------------------------------------------------------------------

_BREACH_EXTRA = {DeadlineKind.VERIFY: "verifikasi", DeadlineKind.RESPONSE: "tindak lanjut pertama"}


@transaction.atomic
def sla_advance(*, deadline: DueDeadline) -> str:
    """Take the next step of one clock: reminder, breach (unit head), then tenant admin, then pimpinan.

    Claimed with a conditional UPDATE on the stage, so two workers never double-notify.
    """
    now = timezone.now()
    if deadline.kind == DeadlineKind.NOTIFY:
        resent, waiting = notifications_sweep()
        if resent or waiting:
            # Kept while anything is pending: a batch lost after the sweep's cut-off (younger than
            # it) is found by the next sweep, not left without a clock once the burst is over.
            DueDeadline.objects.filter(pk=deadline.pk).update(next_action_at=now + NOTIFY_SWEEP_AFTER / 2)
        else:
            DueDeadline.objects.filter(pk=deadline.pk).delete()
        return f"notifications:{resent}"
    report = Report.objects.select_for_update().filter(pk=deadline.report_id).first()
    if report is None:
        DueDeadline.objects.filter(pk=deadline.pk).delete()
        return "gone"
    if deadline.kind == DeadlineKind.AUTOCLOSE:
        closed = report_autoclose(report_id=report.pk)
        DueDeadline.objects.filter(pk=deadline.pk).delete()
        return "closed" if closed else "stale"
    calendar = tenant_calendar()
    extra = _BREACH_EXTRA[DeadlineKind(deadline.kind)]
    if deadline.stage == Stage.PENDING and now < deadline.due_at:
        if not deadline_advance(
            deadline_id=deadline.pk, from_stage=Stage.PENDING, to_stage=Stage.REMINDED, next_action_at=deadline.due_at
        ):
            return "raced"
        notify_users(user_ids=_responsible(report, deadline.kind), report=report, event="reminder", extra=extra)
        return "reminded"
    if deadline.stage in (Stage.PENDING, Stage.REMINDED):
        to_stage, level, recipients = Stage.BREACHED, 1, _responsible(report, deadline.kind, heads=True)
    elif deadline.stage == Stage.BREACHED:
        to_stage, level, recipients = Stage.ESCALATED_ADMIN, 2, role_holder_ids(roles=(Role.TENANT_ADMIN,))
    elif deadline.stage == Stage.ESCALATED_ADMIN:
        to_stage, level, recipients = Stage.ESCALATED_PIMPINAN, 3, role_holder_ids(roles=(Role.PIMPINAN,))
    else:
        DueDeadline.objects.filter(pk=deadline.pk).update(next_action_at=None)
        return "done"
    next_at = None if to_stage == Stage.ESCALATED_PIMPINAN else calendar.due_at(now, 1)
    if not deadline_advance(
        deadline_id=deadline.pk, from_stage=deadline.stage, to_stage=to_stage, next_action_at=next_at
    ):
        return "raced"
    breach, _created = SlaBreach.objects.get_or_create(
        report=report,
        kind=deadline.kind,
        due_at=deadline.due_at,
        defaults={
            "unit": report.unit if deadline.kind == DeadlineKind.RESPONSE else None,
            "detected_at": now,
            "escalation_level": level,
        },
    )
    if _created:
        schema, kind = current_schema(), str(deadline.kind)
        transaction.on_commit(lambda: SLA_BREACHES.labels(schema, kind).inc())
    if breach.escalation_level != level:
        breach.escalation_level = level
        breach.save(update_fields=["escalation_level"])
    audit_record(
        actor=Actor.system(), action="sla_escalated", report_id=report.pk, data={"kind": deadline.kind, "level": level}
    )
    notify_users(user_ids=recipients, report=report, event="breach", extra=extra)
    return f"escalated:{level}"


def _responsible(report: Report, kind: str, heads: bool = False) -> set[int]:
    if kind == DeadlineKind.VERIFY:
        return role_holder_ids(roles=(Role.VERIFIKATOR,) if not heads else (Role.VERIFIKATOR, Role.TENANT_ADMIN))
    if report.unit_id is None:
        return set()
    roles = (Role.UNIT_HEAD,) if heads else (Role.UNIT_HEAD, Role.UNIT_OFFICER)
    return unit_staff_ids(unit_id=report.unit_id, roles=roles)
