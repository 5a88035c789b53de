"""What a channel message does in the place whose number it reached: a Pemda, or the hub.

A door turns a parsed message into an action through the same services as every other door
(report_submit, reporter_reply) and an answer for the citizen. The Pemda's door is here; the
hub's (which asks where the problem is and files with that Pemda) is the hub's own
(national_hub.channels), named in settings.LAPOR_CHANNEL_DOORS so this app never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from channels.identity import same_phone, sender_hash
from channels.models import InboundMessage
from complaints import services
from complaints.models import AuthorKind, Category, FollowUp, Privacy, Report, Status
from complaints.selectors import active_category
from lapor.crypto import decrypt
from lapor.errors import InvalidTransition
from tenants.context import current_tenant

# A report needs this much text (the JSON API's minimum).
MIN_TEXT = 10
# Where a report with no category goes: the verifikator chooses the right one.
DEFAULT_CATEGORY = "pelayanan-publik"
TITLE_LENGTH = 80


@dataclass
class Inbound:
    provider: str
    provider_message_id: str
    address: str  # our number or account
    sender: str  # normalised
    text: str
    received_at: datetime
    channel: str  # complaints.models.Channel value
    media: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    public: bool = False  # a public post (X): never anonim or rahasia
    attachments: list[Any] = field(default_factory=list)  # complaints.files.CheckedFile
    # Rows the channel writes in the intake's own statement when this message files a report
    # here (complaints.intake.AlsoMaker; channels.services sets it).
    intake_also: Any = None


@dataclass(frozen=True)
class Answer:
    text: str
    outcome: str
    report_id: int | None = None
    tracking_id: str = ""
    pending: dict[str, Any] | None = None  # what to wait for next from this sender ({} clears)
    settled: bool = False  # outcome, conversation and reply already written with the report


class Door(Protocol):
    def report(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer: ...
    def check(self, message: Inbound, tracking_id: str | None, typed: str) -> Answer: ...
    def reply(self, message: Inbound, tracking_id: str | None, typed: str, text: str) -> Answer: ...
    def other(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer | None: ...


def help_text() -> str:
    return _("LAPOR! Kirim: LAPOR <isi laporan> | CEK <nomor pelacakan> | BALAS <nomor> <balasan Anda>.")


def not_yours(typed: str) -> Answer:
    # The same words whether the report does not exist or belongs to someone else.
    return Answer(_("Laporan %(id)s tidak ditemukan untuk nomor Anda.") % {"id": typed or "-"}, "refused")


def title_of(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def report_file_here(message: Inbound, text: str, *, location: dict[str, Any] | None = None) -> services.Submission:
    """File `text` in the current Pemda through the one intake service."""
    category = active_category(code=DEFAULT_CATEGORY)  # the Pemda's cached categories, as the API reads them
    if category is None:
        category = Category.objects.filter(is_active=True).order_by("pk").first()
    if category is None:
        raise ValidationError(_("Pemda ini belum punya kategori laporan."))
    return services.report_submit(
        type="pengaduan",
        category=category,
        title=title_of(text),
        text=text,
        reporter=services.ReporterIdentity(phone=message.sender if message.channel != "twitter" else ""),
        privacy=Privacy.PUBLIC if message.public else Privacy.ANONIM_RAHASIA,
        channel=message.channel,
        language=_language(),
        location=location or {},
        attachments=message.attachments,
        also=message.intake_also,
    )


def _language() -> str:
    from django.utils.translation import get_language

    return (get_language() or "id")[:2]


def filed_answer(submission: services.Submission, *, pemda_name: str, public: bool) -> Answer:
    tid = submission.report.tracking_id
    text = filed_text(tid, pemda_name=pemda_name, public=public)
    return Answer(text, "report", report_id=submission.report.pk, tracking_id=tid, pending={})


def filed_text(tid: str, *, pemda_name: str, public: bool) -> str:
    text = _("LAPOR! %(pemda)s: laporan diterima, nomor %(tid)s. Cek: CEK %(tid)s. Balas: BALAS %(tid)s <teks>.") % {
        "pemda": pemda_name,
        "tid": tid,
    }
    if public:
        text += " " + _(
            "Kiriman publik tidak bisa anonim atau rahasia; untuk itu lapor lewat SMS 1708, WhatsApp atau situs LAPOR!."
        )
    return text


def own_report(message: Inbound, tracking_id: str | None) -> Report | None:
    """The report by its tracking ID in the current Pemda, if this sender is its reporter."""
    if tracking_id is None:
        return None
    report = Report.objects.filter(tracking_id=tracking_id).first()
    if report is None:
        return None
    if same_phone(decrypt(report.reporter_phone), message.sender):
        return report
    # An account without a phone number (X): the report is its own when it filed it through this provider.
    filed_by_sender = InboundMessage.objects.filter(
        report_id=report.pk, provider=message.provider, sender_hash=sender_hash(message.sender), outcome="report"
    ).exists()
    return report if filed_by_sender else None


def status_answer(report: Report) -> Answer:
    last = (
        FollowUp.objects.filter(report=report, author_kind=AuthorKind.OFFICER)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)
        .first()
    )
    text = _("%(tid)s: %(status)s.") % {"tid": report.tracking_id, "status": Status(report.status).label}
    if last:
        text += " " + _("Tanggapan terakhir: %(text)s") % {"text": " ".join(str(last).split())[:240]}
    return Answer(text, "status", report_id=report.pk, tracking_id=report.tracking_id)


def reply_here(report: Report, text: str) -> Answer:
    if len(text.strip()) < 2:
        return Answer(_("Tulis balasan Anda sesudah nomor laporan: BALAS %(tid)s <teks>.") % {
            "tid": report.tracking_id}, "help")  # fmt: skip
    try:
        services.reporter_reply(report=report, text=text.strip())
    except (InvalidTransition, ValidationError) as exc:
        reason = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return Answer(reason, "refused", report_id=report.pk, tracking_id=report.tracking_id)
    return Answer(_("Balasan Anda untuk %(tid)s diterima.") % {"tid": report.tracking_id}, "reply",
                  report_id=report.pk, tracking_id=report.tracking_id)  # fmt: skip


class PemdaDoor:
    """A Pemda's own number: file here, answer about this Pemda's reports."""

    def report(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer:
        if len(text.strip()) < MIN_TEXT:
            return Answer(_("Tulis isi laporan sesudah kata LAPOR, paling sedikit 10 huruf."), "help")
        submission = report_file_here(message, text.strip())
        return filed_answer(submission, pemda_name=current_tenant().name, public=message.public)

    def check(self, message: Inbound, tracking_id: str | None, typed: str) -> Answer:
        report = own_report(message, tracking_id)
        return status_answer(report) if report is not None else not_yours(typed)

    def reply(self, message: Inbound, tracking_id: str | None, typed: str, text: str) -> Answer:
        report = own_report(message, tracking_id)
        return reply_here(report, text) if report is not None else not_yours(typed)

    def other(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer | None:
        return None


pemda_door = PemdaDoor()
