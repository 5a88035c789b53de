"""Is a Pemda whole? The check after restoring one from its export (tenants.offboarding).

Three things a backup must bring back, each checked in the Pemda's schema:
- every table holds as many rows as when it was exported (the export records them), and so do
  the rows kept for the Pemda in the public schema (its reports' SLA clocks);
- the audit hash chain recomputes (complaints.audit), so no history was altered on the way;
- every sealed reporter identity opens with this deployment's LAPOR_IDENTITY_KEYS, and its
  lookup hashes match it (they are keyed with this deployment's secret key): a deployment
  restored without the right keys holds reports nobody can answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import tenant_context

from complaints.audit import audit_first_broken_link
from complaints.models import AuditEvent, Report
from lapor.crypto import decrypt
from lapor.lookup import email_hash, nik_hash, phone_hash
from tenants.models import Pemda
from tenants.offboarding import public_row_counts, schema_row_counts

_SEALED = ("reporter_name", "reporter_phone", "reporter_email", "reporter_nik")
_HASHED = (
    ("reporter_phone", "reporter_phone_hash", phone_hash),
    ("reporter_email", "reporter_email_hash", email_hash),
    ("reporter_nik", "reporter_nik_hash", nik_hash),
)


@dataclass
class Integrity:
    schema: str
    problems: list[str] = field(default_factory=list)
    audit_events: int = 0
    identities: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def pemda_integrity(
    *, pemda: Pemda, expected_counts: dict[str, int] | None = None, expected_public: dict[str, int] | None = None
) -> Integrity:
    result = Integrity(schema=pemda.schema_name)
    if expected_counts is not None:
        found = schema_row_counts(pemda.schema_name)
        for table in sorted(set(expected_counts) | set(found)):
            want, have = expected_counts.get(table), found.get(table)
            if want != have:
                result.problems.append(f"{table}: {have} row(s), the export had {want}")
    if expected_public is not None:
        found = public_row_counts(pemda.schema_name)
        for table in sorted(expected_public):
            want, have = expected_public[table], found.get(table)
            if want != have:
                result.problems.append(f"public.{table} of this Pemda: {have} row(s), the export had {want}")
    with tenant_context(pemda):
        broken = audit_first_broken_link()
        result.audit_events = AuditEvent.objects.count()
        if broken is not None:
            result.problems.append(f"audit chain broken at event #{broken.pk} ({broken.action})")
        undecryptable = mismatched = 0
        rows = Report.objects.exclude(**{f: "" for f in _SEALED}).order_by("pk")
        columns = ["pk", *_SEALED, *(h for _s, h, _f in _HASHED)]
        for row in rows.values(*columns).iterator(chunk_size=5000):
            result.identities += 1
            try:
                opened = {name: decrypt(row[name]) for name in _SEALED}
            except ImproperlyConfigured:
                undecryptable += 1
                continue
            if any(row[column] != hasher(opened[sealed]) for sealed, column, hasher in _HASHED):
                mismatched += 1
        if undecryptable:
            result.problems.append(
                f"{undecryptable} of {result.identities} reporter identities do not decrypt:"
                " LAPOR_IDENTITY_KEYS lacks their key"
            )
        if mismatched:
            result.problems.append(
                f"{mismatched} reporter identities do not match their lookup hashes: the secret key differs"
            )
    return result
