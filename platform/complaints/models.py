"""Reports and everything hanging off them, in the tenant schema of one Pemda."""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit


class ReportType(models.TextChoices):
    PENGADUAN = "pengaduan", _("Pengaduan")
    ASPIRASI = "aspirasi", _("Aspirasi")
    INFORMASI = "informasi", _("Permintaan informasi")


class Privacy(models.TextChoices):
    PUBLIC = "public", _("Publik")
    ANONIM = "anonim", _("Anonim")
    RAHASIA = "rahasia", _("Rahasia")
    ANONIM_RAHASIA = "anonim_rahasia", _("Anonim dan rahasia")

    @staticmethod
    def is_anonymous(value: str) -> bool:
        return value in (Privacy.ANONIM, Privacy.ANONIM_RAHASIA)

    @staticmethod
    def is_confidential(value: str) -> bool:
        return value in (Privacy.RAHASIA, Privacy.ANONIM_RAHASIA)


class Channel(models.TextChoices):
    WEB = "web", "Web"
    MOBILE = "mobile", _("Aplikasi seluler")
    SMS = "sms", "SMS 1708"
    TWITTER = "twitter", "X/Twitter"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", _("Surel")
    API = "api", "API"
    OPEN311 = "open311", "Open311"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Menunggu verifikasi")
    DEFERRED = "deferred", _("Ditunda: menunggu keterangan pelapor")
    DISPOSED = "disposed", _("Didisposisikan")
    ANSWERED = "answered", _("Dijawab")
    CLOSED = "closed", _("Selesai")
    REFERRED = "referred", _("Dirujuk ke instansi lain")
    ARCHIVED = "archived", _("Diarsipkan")
    MERGED = "merged", _("Digabung dengan laporan lain")


# A report enters public monitoring once the verifikator has moved it on; the queue, archived
# reports (spam, invalid) and merged duplicates stay out. Rahasia reports never enter it.
PUBLIC_STATUSES = (Status.DISPOSED, Status.ANSWERED, Status.CLOSED, Status.REFERRED)
PUBLIC_PRIVACY = (Privacy.PUBLIC, Privacy.ANONIM)


class Category(models.Model):
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    name_en = models.CharField(_("nama (Inggris)"), max_length=100, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language (categories are data: their English name is a column)."""
        from django.utils.translation import get_language

        return self.name_en if self.name_en and (get_language() or "id").startswith("en") else self.name


class Report(models.Model):
    # Unique through Meta.constraints: `unique=True` would add a second, LIKE-pattern index that
    # no query uses (a tracking ID is always looked up whole) but every intake maintains.
    tracking_id = models.CharField(_("nomor pelacakan"), max_length=12)
    type = models.CharField(_("jenis"), max_length=16, choices=ReportType.choices)
    # Indexed by report_category_time (category first).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports", db_index=False)
    title = models.CharField(_("judul"), max_length=200)
    text = models.TextField(_("isi"))
    # What the reporter wrote, kept when the verifikator corrects title or category.
    original_title = models.CharField(max_length=200)
    # Not indexed: only a category's deletion (PROTECT) looks reports up by it, a rare admin act.
    original_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", db_index=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    kecamatan = models.CharField(max_length=100, blank=True)
    kelurahan = models.CharField(max_length=100, blank=True)
    region_code = models.CharField(_("kode wilayah Kemendagri"), max_length=13, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    privacy = models.CharField(max_length=16, choices=Privacy.choices, default=Privacy.ANONIM_RAHASIA)
    language = models.CharField(max_length=2, default="id")
    # Reporter identity, each field sealed with AES-256-GCM (lapor.crypto); empty when not given.
    reporter_name = models.TextField(blank=True)
    reporter_phone = models.TextField(blank=True)
    reporter_email = models.TextField(blank=True)
    reporter_nik = models.TextField(blank=True)
    reporter_token_hash = models.CharField(max_length=64)
    # Keyed hashes (lapor.lookup) of the normalised phone, e-mail and NIK: how a data subject's
    # reports are found (complaints.dataprotection) without the database holding them in the clear.
    # Not indexed: a subject's request is rare and a scan of one Pemda's reports answers it in
    # well under a second, while an index would cost every intake a write at a random place.
    reporter_phone_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    reporter_email_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    reporter_nik_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    # When the retention schedule destroyed the identity above (complaints.dataprotection).
    identity_purged_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    # Indexed by report_unit_time, which leaves out the reports not yet disposed (every new one).
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    submitted_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    verify_due_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    autoclose_due_at = models.DateTimeField(null=True, blank=True)
    # Working days left on the verification clock when it was paused (tunda).
    paused_days_left = models.SmallIntegerField(null=True, blank=True)
    deferred_question = models.TextField(blank=True)
    archive_reason = models.TextField(blank=True)
    rating = models.SmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", db_index=False
    )
    # Bumped on every state change; the sync layer uses it to order updates.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("laporan")
        verbose_name_plural = _("laporan")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="report_status_time"),
            models.Index(fields=["category", "submitted_at"], name="report_category_time"),
            # Partial: a report enters these only when disposed or merged, so intake never
            # touches them (see `make bench-intake`); `unit_id IN (…)` and `merged_into = x`
            # imply the condition, so the planner uses them.
            models.Index(
                fields=["unit", "submitted_at"], name="report_unit_time", condition=models.Q(unit__isnull=False)
            ),
            models.Index(
                fields=["merged_into"], name="report_merged_into", condition=models.Q(merged_into__isnull=False)
            ),
            # Open311's GET requests by service code and date range: the public reports of one
            # category, newest first, read from the index alone (status included for the
            # open/closed filter). A report enters it when the verifikator moves it on, so
            # intake never touches it (on 1,000,000 reports: 15 ms → 0.3 ms for 1,000 rows).
            models.Index(
                fields=["category", "submitted_at", "id"],
                name="report_public_category_time",
                include=["status"],
                condition=models.Q(status__in=PUBLIC_STATUSES, privacy__in=PUBLIC_PRIVACY),
            ),
            # Officer text search. A report enters these when it leaves the verification queue
            # (verified, deferred, referred, archived…), so the citizen's intake, the path every
            # channel's surge goes through, pays no trigram work; the queue itself is searched
            # through report_status_time (complaints.filters.ReportFilter.filter_text).
            GinIndex(
                fields=["title"],
                name="report_title_trgm",
                opclasses=["gin_trgm_ops"],
                condition=~models.Q(status=Status.SUBMITTED),
            ),
            GinIndex(
                fields=["text"],
                name="report_text_trgm",
                opclasses=["gin_trgm_ops"],
                condition=~models.Q(status=Status.SUBMITTED),
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["tracking_id"], name="report_tracking_id_unique")]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.file.name)


class AuthorKind(models.TextChoices):
    OFFICER = "officer", _("Petugas")
    REPORTER = "reporter", _("Pelapor")
    SYSTEM = "system", _("Sistem")


class FollowUp(models.Model):
    """One message of the two-way thread (tindak lanjut)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followups")
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_user_id = models.BigIntegerField(null=True, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    is_final = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Open311's servicerequestupdates reads officers' follow-ups by time; the reporter's
            # replies stay out, and intake never writes here.
            models.Index(
                fields=["created_at"],
                name="followup_officer_time",
                condition=~models.Q(author_kind="reporter"),
            ),
            # A report's last officer follow-up (Open311's status_notes, a lateral probe per row of
            # a 1,000-request page): the first entry, no sort.
            models.Index(
                fields=["report", "-created_at", "-id"],
                name="followup_officer_last",
                condition=~models.Q(author_kind="reporter"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.author_kind}"


class Disposition(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="dispositions")
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    by_user_id = models.BigIntegerField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id}->{self.to_unit_id}"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu dikirim")
    SENT = "sent", _("Terkirim")
    ACCEPTED = "accepted", _("Diterima")
    RETURNED = "returned", _("Dikembalikan")


class Referral(models.Model):
    """Bukan wewenang: the report belongs to another Pemda or a K/L; the hub delivers it."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField()
    target_code = models.CharField(_("kode tujuan (Pemda atau K/L)"), max_length=32, blank=True)
    target_hint = models.CharField(_("tujuan"), max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    created_by = models.BigIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.report_id}->{self.target_code or self.target_hint}"


class LinkRole(models.TextChoices):
    ORIGIN = "origin", _("Asal")
    RECEIVER = "receiver", _("Penerima")


class ReferralLink(models.Model):
    """This Pemda's end of a referral (the report it was made from, or the one it became here) and
    how far this end has applied the other end's news."""

    referral_key = models.CharField(max_length=80)
    role = models.CharField(max_length=10, choices=LinkRole.choices)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+", db_index=False)
    tracking_id = models.CharField(max_length=12)
    # Where this end's messages go: the hub of this deployment ("hub") or the upstream hub's Peer code.
    reply_to = models.CharField(max_length=40, default="hub")
    applied_version = models.PositiveIntegerField(default=0)
    # Remote follow-up ids already copied into the local thread (updates carry the whole thread).
    mirrored_followups = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # At the origin: who works the referral now (a Pemda, a K/L, or the hub's triage), as the
    # hub last named it; the citizen's timeline shows it.
    receiver_name = models.CharField(max_length=200, blank=True, db_default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral_key"], name="referral_link_key_once")]
        indexes = [models.Index(fields=["report"], name="referral_link_of_report")]

    def __str__(self) -> str:
        return f"{self.referral_key} ({self.role})"


class InternalNote(models.Model):
    """An officer's note on a report for colleagues: never shown to the reporter or the public."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="internal_notes")
    author_user_id = models.BigIntegerField()
    author_label = models.CharField(max_length=150)
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.author_label}"


class SlaBreach(models.Model):
    """A missed deadline. It counts against the unit in the performance figures."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="breaches")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches")
    kind = models.CharField(max_length=16)
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    escalation_level = models.SmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "due_at"], name="breach_once_per_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} L{self.escalation_level}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Libur daerah")
    CUTI_BERSAMA = "cuti_bersama", _("Cuti bersama")
    WORKING = "working", _("Hari kerja (pengganti)")


class CalendarDay(models.Model):
    """This Pemda's own changes to the national working-day calendar."""

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


@pgtrigger.register(
    pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class AuditEvent(models.Model):
    """Append-only, hash-chained log of every state change, assignment, reveal and edit.

    A database trigger refuses UPDATE and DELETE; `manage.py audit_verify` recomputes the chain
    and names the first row whose hash no longer matches.
    """

    at = models.DateTimeField()
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=120)
    # Indexed with id (audit_report_chain): a report's events in order, and its last one, which the
    # append function links each new event of the report to (migration 0010).
    report_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    # Link format 2 (migration 0010): a random salt inside the digest of who acted and what they
    # recorded, never shown; empty on events of format 1, written before.
    salt = models.CharField(max_length=36, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["report_id", "id"], name="audit_report_chain")]
        # No index on hash: nothing looks an event up by it, the chain is checked by recomputing
        # it in id order (audit_verify), and a unique index on a random 64-character key took
        # a write at a random place of an index that grows with every event of the Pemda.

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} report={self.report_id}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for retries."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status_code = models.SmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")
    SKIPPED = "skipped", _("Tanpa alamat")


class Notification(models.Model):
    """A message to a reporter or an officer, written with the change and sent by a task."""

    report = models.ForeignKey(Report, null=True, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=16, default="email")
    # Reporter messages resolve the (encrypted) address at send time; officer ones name the user.
    to_reporter = models.BooleanField(default=False)
    user_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.SmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="notification_pending", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {'reporter' if self.to_reporter else self.user_id}"
