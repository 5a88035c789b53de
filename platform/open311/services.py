"""Open311's writes: API keys a tenant admin issues and revokes, and a service request filed
through the one intake service (complaints.services.report_submit) — Open311 only maps fields.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaints
from complaints.models import Category, Channel, Report
from open311.models import ApiClient, Submission

KEY_BYTES = 32
KEY_PREFIX_CHARS = 8
# Open311 has no idempotency key. A POST that carries exactly what an earlier one from the same
# client carried, within this window, is taken as that client retrying (a timeout, a dropped
# answer) and gets the first answer; after it, the same words are a new report.
RETRY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str  # shown once; only its digest is stored


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def apiclient_issue(*, name: str, actor_user_id: int) -> IssuedKey:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Nama klien wajib diisi.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Nama klien paling panjang 120 karakter.")})
    key = secrets.token_urlsafe(KEY_BYTES)
    client = ApiClient.objects.create(
        name=name,
        key_prefix=key[:KEY_PREFIX_CHARS],
        key_hash=key_digest(key),
        created_at=timezone.now(),
        created_by=actor_user_id,
    )
    return IssuedKey(client=client, key=key)


@transaction.atomic
def apiclient_revoke(*, client_id: int, actor_user_id: int) -> ApiClient:
    """Revoke a key for good (revoking twice changes nothing)."""
    client = ApiClient.objects.select_for_update().filter(pk=client_id).first()
    if client is None:
        raise ValidationError(_("Klien tidak ditemukan."))
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.revoked_by = actor_user_id
        client.save(update_fields=["revoked_at", "revoked_by"])
    return client


def apiclient_for_key(key: str) -> ApiClient | None:
    """The active client holding `key` in the current Pemda, or None."""
    if not key or len(key) > 200:
        return None
    client = ApiClient.objects.filter(key_hash=key_digest(key), revoked_at__isnull=True).first()
    if client is not None:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


@dataclass(frozen=True)
class Filed:
    tracking_id: str
    verify_due_at: Any
    replayed: bool


def request_digest(fields: dict[str, list[str]]) -> str:
    """What a POST carried (every field but the key), independent of the fields' order."""
    canonical = sorted((k, v) for k, v in fields.items() if k != "api_key")
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def service_request_file(
    *,
    client: ApiClient,
    request_hash: str,
    category: Category,
    values: dict[str, Any],
    language: str,
) -> Filed:
    """File one service request, or return the first answer when `client` sent the same within RETRY_WINDOW.

    `values` are the intake's validated fields (complaints.apis.ReportSubmitInput). Two copies
    of one POST arriving together wait for each other on a transaction-scoped advisory lock on
    (client, digest), so exactly one report is made.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 311))", [f"{client.pk}:{request_hash}"])
        earlier = (
            Submission.objects.filter(
                client=client, request_hash=request_hash, created_at__gte=timezone.now() - RETRY_WINDOW
            )
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            due = Report.objects.filter(pk=earlier.report_id).values_list("verify_due_at", flat=True).first()
            return Filed(tracking_id=earlier.tracking_id, verify_due_at=due, replayed=True)
        submission = complaints.report_submit(
            type=values["type"],
            category=category,
            title=values["title"],
            text=values["text"],
            privacy=values["privacy"],
            channel=Channel.OPEN311,
            language=language,
            reporter=complaints.ReporterIdentity(
                name=values["reporter_name"], phone=values["reporter_phone"], email=values["reporter_email"]
            ),
            location={
                k: values[k]
                for k in ("latitude", "longitude", "address", "kecamatan", "kelurahan", "region_code")
                if k in values
            },
        )
        report = submission.report
        Submission.objects.create(
            client=client,
            request_hash=request_hash,
            report_id=report.pk,
            tracking_id=report.tracking_id,
            created_at=timezone.now(),
        )
    return Filed(tracking_id=report.tracking_id, verify_due_at=report.verify_due_at, replayed=False)
