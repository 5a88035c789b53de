"""The controller's duties towards reporters under UU PDP No. 27/2022, for one Pemda's reports.

- Retention (Pasal 43-44): `identity_purge` destroys a reporter's sealed name, phone, e-mail and
  NIK, and their lookup hashes, once a closed, merged or archived report has passed its period
  (settings.LAPOR_IDENTITY_RETENTION_DAYS / _ARCHIVED_DAYS). The reporter's token hash stays, so
  the reporter can still read the report; the report's content stays, as the public record.
- Access (Pasal 7, 32): `subject_reports_export` finds a person's reports by the keyed hashes of
  their phone, e-mail or NIK and gives their reports and identity as stored.
- Breach notification (Pasal 46, 3 x 24 hours): `breach_subjects` lists the people whose data
  was in the breached tables since a moment, with how to reach them and what was exposed.

Each runs in the current tenant; the `*_all` helpers and the management commands visit every
Pemda. Purges and exports are audit events of the Pemda's hash chain. The chain hashes each
event's data, never a reporter's identity (sealed or not), so destroying the identity leaves
every recorded hash valid and `audit_verify` still passes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import tenant_context

from complaints import events
from complaints.audit import Actor, AuditEntry, audit_record_many
from complaints.models import Attachment, AuthorKind, FollowUp, Report, Status
from lapor.crypto import decrypt
from lapor.lookup import email_hash, keyed_hash, nik_hash, phone_hash
from tenants.models import Pemda, PemdaKind, PemdaStatus

logger = logging.getLogger(__name__)

IDENTITY_FIELDS = ("name", "phone", "email", "nik")
# One transaction per batch: a purge of a large backlog never holds many row locks at once or
# makes one huge audit append, and a crash loses one batch's progress, which the next run redoes.
PURGE_BATCH = 1000
PURGE_ACTOR = Actor(user_id=None, label="retensi data")
# Tables a breach report can be asked about, and what each holds of a reporter.
BREACH_TABLES = ("complaints_report", "complaints_attachment", "complaints_followup")


def pemdas_with_reports() -> Iterator[Pemda]:
    """Every Pemda of this deployment whose schema holds reports (live or archived), by code."""
    yield from Pemda.objects.exclude(kind=PemdaKind.HUB).exclude(status=PemdaStatus.PROVISIONING).order_by("code")


# --- retention -----------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    reports: int = 0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IDENTITY_FIELDS, 0))

    def add(self, other: PurgeResult) -> None:
        self.reports += other.reports
        for name, count in other.fields.items():
            self.fields[name] += count


def _due_sql(now: datetime) -> tuple[str, list[Any]]:
    """Reports whose identity is past its period and not yet destroyed, and that hold something."""
    closed_before = now - timedelta(days=settings.LAPOR_IDENTITY_RETENTION_DAYS)
    archived_before = now - timedelta(days=settings.LAPOR_IDENTITY_RETENTION_ARCHIVED_DAYS)
    sql = (
        "identity_purged_at IS NULL AND closed_at IS NOT NULL"
        " AND ((status IN (%s, %s) AND closed_at < %s) OR (status = %s AND closed_at < %s))"
        " AND (reporter_name <> '' OR reporter_phone <> '' OR reporter_email <> '' OR reporter_nik <> ''"
        " OR reporter_phone_hash <> '' OR reporter_email_hash <> '' OR reporter_nik_hash <> '')"
    )
    return sql, [Status.CLOSED, Status.MERGED, closed_before, Status.ARCHIVED, archived_before]


def identity_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Destroy the identity of this Pemda's reports past their retention period; idempotent.

    Each destroyed identity is one `identity_purged` audit event on its report, naming which
    fields were held (never their values). A dry run counts what would go and changes nothing.
    """
    now = now or timezone.now()
    due, params = _due_sql(now)
    table = Report._meta.db_table
    result = PurgeResult()
    if dry_run:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE reporter_name <> ''),"
                f" count(*) FILTER (WHERE reporter_phone <> ''), count(*) FILTER (WHERE reporter_email <> ''),"
                f" count(*) FILTER (WHERE reporter_nik <> '') FROM {table} WHERE {due}",
                params,
            )
            total, *counts = cursor.fetchone()
        result.reports = total
        result.fields = dict(zip(IDENTITY_FIELDS, counts, strict=True))
        return result
    while True:
        batch = _purge_batch(due=due, params=params, now=now)
        if batch.reports == 0:
            break
        result.add(batch)
    # Counts only: a log line never carries what was destroyed.
    logger.info(
        "identity purge in %s: %d report(s), fields %s",
        connection.schema_name,  # type: ignore[attr-defined]
        result.reports,
        result.fields,
    )
    return result


@transaction.atomic
def _purge_batch(*, due: str, params: list[Any], now: datetime) -> PurgeResult:
    table = Report._meta.db_table
    with connection.cursor() as cursor:
        # SKIP LOCKED: a report an officer is changing right now waits for the next run.
        cursor.execute(
            f"WITH old AS (SELECT id, reporter_name <> '' AS name, reporter_phone <> '' AS phone,"
            f" reporter_email <> '' AS email, reporter_nik <> '' AS nik FROM {table} WHERE {due}"
            f" ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
            f" UPDATE {table} r SET reporter_name = '', reporter_phone = '', reporter_email = '', reporter_nik = '',"
            f" reporter_phone_hash = '', reporter_email_hash = '', reporter_nik_hash = '', identity_purged_at = %s"
            f" FROM old WHERE r.id = old.id RETURNING r.id, r.status, old.name, old.phone, old.email, old.nik",
            [*params, PURGE_BATCH, now],
        )
        rows = cursor.fetchall()
    result = PurgeResult()
    entries = []
    for report_id, status, *held in sorted(rows):
        fields = [name for name, was in zip(IDENTITY_FIELDS, held, strict=True) if was]
        for name in fields:
            result.fields[name] += 1
        days = (
            settings.LAPOR_IDENTITY_RETENTION_ARCHIVED_DAYS
            if status == Status.ARCHIVED
            else settings.LAPOR_IDENTITY_RETENTION_DAYS
        )
        entries.append(
            AuditEntry(
                actor=PURGE_ACTOR,
                action="identity_purged",
                report_id=report_id,
                data={"fields": fields, "retention_days": days},
            )
        )
    result.reports = len(rows)
    audit_record_many(entries)
    if rows:
        # Channel messages keep the sender sealed too (channels listens; complaints never imports it).
        events.identity_purged.send(sender=Report, report_ids=[r[0] for r in rows])
    return result


def identity_purge_all(*, schema: str | None = None, dry_run: bool = False) -> dict[str, PurgeResult]:
    results = {}
    for pemda in pemdas_with_reports():
        if schema and pemda.schema_name != schema:
            continue
        with tenant_context(pemda):
            results[pemda.schema_name] = identity_purge(dry_run=dry_run)
    return results


# --- data-subject access ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The person asking, by any of the addresses they gave (each matched by its keyed hash)."""

    phone: str = ""
    email: str = ""
    nik: str = ""

    def hashes(self) -> dict[str, str]:
        found = {
            "reporter_phone_hash": phone_hash(self.phone),
            "reporter_email_hash": email_hash(self.email),
            "reporter_nik_hash": nik_hash(self.nik),
        }
        return {column: value for column, value in found.items() if value}


def subject_reports(subject: Subject) -> list[Report]:
    """This Pemda's reports filed with any of the subject's addresses, oldest first."""
    hashes = subject.hashes()
    if not hashes:
        return []
    query = Report.objects.none()
    for column, value in hashes.items():
        query = query | Report.objects.filter(**{column: value})
    return list(query.select_related("category").order_by("submitted_at", "pk"))


def subject_reports_export(*, subject: Subject, requested_by: str, pemda: Pemda) -> list[dict[str, Any]]:
    """The subject's reports here, with their identity as stored; each export is an audit event."""
    reports = subject_reports(subject)
    if not reports:
        return []
    hashes = subject.hashes()
    exported = []
    entries = []
    for report in reports:
        matched = sorted(column.split("_")[1] for column, value in hashes.items() if getattr(report, column) == value)
        exported.append(
            {
                "pemda": {"code": pemda.code, "name": pemda.name},
                "tracking_id": report.tracking_id,
                "type": report.type,
                "category": report.category.code,
                "title": report.title,
                "text": report.text,
                "privacy": report.privacy,
                "channel": report.channel,
                "status": report.status,
                "submitted_at": report.submitted_at.isoformat(),
                "closed_at": report.closed_at.isoformat() if report.closed_at else None,
                "location": {
                    "address": report.address,
                    "kecamatan": report.kecamatan,
                    "kelurahan": report.kelurahan,
                    "region_code": report.region_code,
                },
                "identity": {name: decrypt(getattr(report, f"reporter_{name}")) for name in IDENTITY_FIELDS},
                "identity_purged_at": report.identity_purged_at.isoformat() if report.identity_purged_at else None,
                "matched_by": matched,
                "followups": [
                    {"at": f.created_at.isoformat(), "author": f.author_kind, "text": f.text}
                    for f in report.followups.order_by("created_at", "pk")
                ],
            }
        )
        entries.append(
            AuditEntry(
                actor=Actor(user_id=None, label=requested_by[:120]),
                action="identity_exported",
                report_id=report.pk,
                data={"matched_by": matched, "requested_by": requested_by},
            )
        )
    with transaction.atomic():
        audit_record_many(entries)
    logger.info("identity exported from %s: %d report(s)", pemda.schema_name, len(reports))
    return exported


def subject_export_all(*, subject: Subject, requested_by: str) -> dict[str, Any]:
    """Everything this deployment holds of one reporter, across every Pemda (Pasal 7 and 32)."""
    reports: list[dict[str, Any]] = []
    for pemda in pemdas_with_reports():
        with tenant_context(pemda):
            reports += subject_reports_export(subject=subject, requested_by=requested_by, pemda=pemda)
    accounts: list[dict[str, Any]] = []
    for path in settings.LAPOR_SUBJECT_EXPORTERS:
        accounts += import_string(path)(phone=subject.phone, email=subject.email)
    return {
        "generated_at": timezone.now().isoformat(),
        "requested_by": requested_by,
        "looked_up_by": sorted(column.split("_")[1] for column in subject.hashes()),
        "reports": reports,
        "accounts": accounts,
    }


# --- breach notification ------------------------------------------------------------------------


@dataclass
class BreachSubject:
    subject_id: str
    name: str = ""
    phone: str = ""
    email: str = ""
    reports: list[str] = field(default_factory=list)
    exposed: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "reports": self.reports,
            "exposed": sorted(self.exposed),
        }


def _reports_exposed(*, since: datetime, tables: Iterable[str]) -> Iterator[tuple[tuple[Any, ...], set[str]]]:
    """(report row, the fields of it the breached tables held) for every report present since `since`."""
    tables = set(tables)
    with_attachments = (
        set(Attachment.objects.values_list("report_id", flat=True).distinct())
        if "complaints_attachment" in tables
        else set()
    )
    with_replies = (
        set(FollowUp.objects.filter(author_kind=AuthorKind.REPORTER).values_list("report_id", flat=True).distinct())
        if "complaints_followup" in tables
        else set()
    )
    rows = (
        Report.objects.exclude(identity_purged_at__lt=since)
        .order_by("pk")
        .values_list(
            "pk",
            "tracking_id",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "reporter_nik",
            "reporter_phone_hash",
            "reporter_email_hash",
            "reporter_nik_hash",
            "identity_purged_at",
            "address",
        )
    )
    for row in rows.iterator(chunk_size=5000):
        pk, _tracking, name, phone, email, nik, *_hashes, purged_at, address = row
        exposed: set[str] = set()
        if "complaints_report" in tables:
            exposed |= {"title", "text"}
            if address:
                exposed.add("address")
            if purged_at is not None:
                # Destroyed after the breach began: it was there when the breach was.
                exposed |= {"reporter_identity (destroyed since)"}
            else:
                exposed |= {
                    f"reporter_{n} (sealed)"
                    for n, v in zip(IDENTITY_FIELDS, (name, phone, email, nik), strict=True)
                    if v
                }
        if pk in with_attachments:
            exposed.add("attachments")
        if pk in with_replies:
            exposed.add("reporter_replies")
        yield row, exposed


def breach_subjects(
    *, since: datetime, tables: Iterable[str] = BREACH_TABLES, schema: str | None = None
) -> dict[str, Any]:
    """The people to notify of a breach of `tables` since `since`, in one Pemda or all of them.

    A person is found by the keyed hash of their phone, else e-mail, else NIK, so their reports in
    several Pemda make one entry; a report without any of them is a subject of its own (a name
    alone, or an identity destroyed since). Contacts are decrypted: reaching them is the point.
    """
    tables = tuple(tables)
    subjects: dict[str, BreachSubject] = {}
    without_identity = 0
    pemdas = 0
    for pemda in pemdas_with_reports():
        if schema and pemda.schema_name != schema:
            continue
        pemdas += 1
        with tenant_context(pemda):
            for row, exposed in _reports_exposed(since=since, tables=tables):
                pk, tracking, name, phone, email, _nik, phash, ehash, nhash, purged_at, _address = row
                if not exposed:
                    continue
                key = phash or ehash or nhash
                if not key and not (name or purged_at):
                    without_identity += 1  # anonymous from the start: nobody to notify
                    continue
                subject_id = (key or keyed_hash(f"{pemda.schema_name}:{pk}"))[:16]
                subject = subjects.get(subject_id)
                if subject is None:
                    subject = subjects[subject_id] = BreachSubject(subject_id=subject_id)
                subject.reports.append(f"{pemda.code}/{tracking}")
                subject.exposed |= exposed
                # The newest report's contact wins: reports are read oldest id first.
                subject.name = decrypt(name) or subject.name
                subject.phone = decrypt(phone) or subject.phone
                subject.email = decrypt(email) or subject.email
    return {
        "since": since.isoformat(),
        "tables": list(tables),
        "pemda": pemdas,
        "subjects": [s.as_dict() for s in subjects.values()],
        "reports_without_identity": without_identity,
    }
