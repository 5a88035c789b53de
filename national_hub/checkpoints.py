"""The hub's signed daily checkpoints of every Pemda's audit-chain head (message `audit.checkpoint`).

A Pemda sends its chain head once a day (complaints.checkpoints); the hub keeps it append-only
(AuditCheckpoint, a trigger refuses UPDATE and DELETE) and signs a statement of it with its
Ed25519 key. Statements and signatures are public (`/api/v1/audit/checkpoints/…`), with the key
(`/api/v1/audit/key/`, `/.well-known/lapor-audit-key.json`), so a citizen can check a report's
history against them (complaints.historycheck) and `audit_verify` can check a whole chain.

A checkpoint that contradicts one signed before is refused and kept as an alarm (CheckpointAlarm,
on the sync health page): a position below that of an earlier day or above that of a later day,
another hash at a position already signed, or another head for a day already signed. A chain
only grows, so an honest Pemda never sends one.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Count
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints.historycheck import STATEMENT_FORMAT, canonical, key_id_of
from national_hub.models import AuditCheckpoint, CheckpointAlarm
from sync.parties import self_name

logger = logging.getLogger(__name__)

HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --- the hub's key -----------------------------------------------------------------------------


@cache
def signing_key() -> Ed25519PrivateKey:
    """The hub's Ed25519 key from LAPOR_HUB_SIGNING_KEY_FILE; a local run generates it there (0600)."""
    path = Path(settings.LAPOR_HUB_SIGNING_KEY_FILE)
    if not path.exists():
        if not settings.LAPOR_HUB_SIGNING_KEY_GENERATE:
            raise ImproperlyConfigured(f"LAPOR_HUB_SIGNING_KEY_FILE: no key at {path} (LAPOR_LOCAL=0 never makes one)")
        _generate(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"LAPOR_HUB_SIGNING_KEY_FILE: {path} is not an Ed25519 key")
    return key


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:  # O_EXCL: two processes starting together keep the same key, whichever wrote it first
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    logger.warning("audit checkpoints: generated the hub's local signing key at %s", path)


@receiver(setting_changed)
def _forget_key(*, setting: str, **_kwargs: object) -> None:
    if setting in ("LAPOR_HUB_SIGNING_KEY_FILE", "LAPOR_HUB_SIGNING_KEY_GENERATE"):
        signing_key.cache_clear()


def public_key_b64() -> str:
    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_document() -> dict[str, Any]:
    """What the hub publishes about its key, for anyone checking a checkpoint."""
    public = public_key_b64()
    pem = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {
        "algorithm": "Ed25519",
        "key_id": key_id_of(public),
        "public_key": public,
        "public_key_pem": pem,
        # Keys the hub signed with before a rotation: its older checkpoints name them.
        "retired": [{"key_id": key_id_of(old), "public_key": old} for old in settings.LAPOR_HUB_SIGNING_RETIRED_KEYS],
        "hub": self_name(),
        "statement_format": STATEMENT_FORMAT,
        "signed": "the UTF-8 bytes of each checkpoint's `statement` (JSON, keys sorted, no spaces)",
    }


# --- receiving ---------------------------------------------------------------------------------


class CheckpointInvalid(ValueError):
    pass


def _parsed(body: dict[str, Any]) -> tuple[str, date, int, str, datetime]:
    try:
        day = date.fromisoformat(str(body["day"]))
        position = int(body["position"])
        head_hash = str(body["hash"])
        at = parse_datetime(str(body["at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointInvalid(f"malformed checkpoint: {exc}") from None
    if position < 1 or not HEX64.match(head_hash) or at is None:
        raise CheckpointInvalid("malformed checkpoint: position, hash or time")
    return str(body["pemda"]), day, position, head_hash, at


def _contradiction(pemda: str, day: date, position: int, head_hash: str) -> tuple[str, str] | None:
    """Why this head cannot extend the chain the hub signed so far, or None."""
    same_day = AuditCheckpoint.objects.filter(pemda_code=pemda, day=day).first()
    if same_day is not None:
        return "day_taken", f"{day}: #{same_day.position} {same_day.head_hash[:12]} signed before"
    before = AuditCheckpoint.objects.filter(pemda_code=pemda, day__lt=day).order_by("-position").first()
    if before is not None and before.position > position:
        return "position_lower", f"#{position} is below #{before.position} signed for {before.day}"
    after = AuditCheckpoint.objects.filter(pemda_code=pemda, day__gt=day).order_by("position").first()
    if after is not None and after.position < position:
        return "position_higher", f"#{position} is above #{after.position} signed for {after.day}"
    same = AuditCheckpoint.objects.filter(pemda_code=pemda, position=position).exclude(head_hash=head_hash).first()
    if same is not None:
        return "hash_differs", f"#{position} was signed with hash {same.head_hash[:12]} for {same.day}"
    return None


def checkpoint_receive(*, message: dict[str, Any]) -> str:
    """Keep and sign a Pemda's chain head, or record an alarm when it contradicts an earlier one."""
    body = message["body"]
    now = timezone.now()
    try:
        pemda, day, position, head_hash, at = _parsed(body)
    except CheckpointInvalid as exc:
        CheckpointAlarm.objects.create(
            pemda_code=str(body.get("pemda", ""))[:40], reason="malformed", detail=str(exc)[:500],
            message_id=message["id"], received_at=now,
        )  # fmt: skip
        return "refused:malformed"
    with connection.cursor() as cursor:  # one Pemda's checkpoints are judged one at a time
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"checkpoint:{pemda}"])
    found = _contradiction(pemda, day, position, head_hash)
    if found is not None:
        reason, detail = found
        CheckpointAlarm.objects.create(
            pemda_code=pemda, day=day, position=position, head_hash=head_hash, reason=reason, detail=detail,
            message_id=message["id"], received_at=now,
        )  # fmt: skip
        logger.error("audit checkpoint of %s refused (%s): %s", pemda, reason, detail)
        return f"refused:{reason}"
    statement = canonical(
        {
            "format": STATEMENT_FORMAT,
            "hub": self_name(),
            "pemda": pemda,
            "name": str(body.get("name", "")),
            "day": day.isoformat(),
            "position": position,
            "hash": head_hash,
            "at": at.isoformat(),
            "signed_at": now.isoformat(),
        }
    )
    key = key_document()
    AuditCheckpoint.objects.create(
        pemda_code=pemda,
        pemda_name=str(body.get("name", ""))[:200],
        day=day,
        position=position,
        head_hash=head_hash,
        head_at=at,
        message_id=message["id"],
        received_at=now,
        statement=statement,
        signature=base64.b64encode(signing_key().sign(statement.encode())).decode(),
        key_id=key["key_id"],
    )
    return "signed"


# --- reading -----------------------------------------------------------------------------------


def checkpoint_row(cp: AuditCheckpoint) -> dict[str, Any]:
    return {
        "day": cp.day.isoformat(),
        "position": cp.position,
        "hash": cp.head_hash,
        "at": cp.head_at.isoformat(),
        "statement": cp.statement,
        "signature": cp.signature,
        "key_id": cp.key_id,
    }


def checkpoints_published(pemda_code: str) -> dict[str, Any]:
    """A Pemda's checkpoints, newest first, with the hub's key: what `/api/v1/audit/checkpoints/<code>/`
    publishes and what `audit_verify` reads in the hub's own deployment (LAPOR_AUDIT_CHECKPOINT_READER)."""
    rows = AuditCheckpoint.objects.filter(pemda_code=pemda_code).order_by("-day")
    name = rows.values_list("pemda_name", flat=True).first() or ""
    return {
        "pemda": pemda_code,
        "name": name,
        "key": key_document(),
        "checkpoints": [checkpoint_row(cp) for cp in rows],
    }


def checkpoints_overview() -> list[dict[str, Any]]:
    """Every Pemda with a checkpoint: its latest one and how many the hub holds."""
    latest = AuditCheckpoint.objects.order_by("pemda_code", "-day").distinct("pemda_code")
    counts = dict(AuditCheckpoint.objects.values("pemda_code").annotate(n=Count("id")).values_list("pemda_code", "n"))
    return [
        {
            "pemda": cp.pemda_code,
            "name": cp.pemda_name,
            "count": counts.get(cp.pemda_code, 0),
            "latest": checkpoint_row(cp),
        }
        for cp in latest
    ]


def checkpoint_alarms(limit: int = 50) -> list[CheckpointAlarm]:
    return list(CheckpointAlarm.objects.order_by("-received_at")[:limit])
