"""HMAC-SHA256 signatures of HTTP sync messages, per peer, with timestamp and nonce.

The signature covers timestamp, nonce and the exact body bytes, so neither can be swapped; a
timestamp outside the window or a nonce seen before (SeenNonce, unique per peer) is refused.
Shared secrets are sealed at rest with the project's keys (lapor.crypto) and shown once, when
issued (`peer_key_issue`); nothing reads them back for display.
Hand-written rather than a library: it is twenty lines of the standard library's hmac, and the
HTTP-signature libraries on PyPI pull in key formats this federation does not need.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lapor.crypto import PEER_SECRET, decrypt, encrypt
from sync.models import Peer, PeerKey, SeenNonce

HEADER_PEER = "X-Lapor-Peer"
HEADER_KEY = "X-Lapor-Key-Id"
HEADER_TIMESTAMP = "X-Lapor-Timestamp"
HEADER_NONCE = "X-Lapor-Nonce"
HEADER_SIGNATURE = "X-Lapor-Signature"


class SignatureRefused(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _mac(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    signed = f"{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _secret(key: PeerKey) -> str:
    return decrypt(key.secret, use=PEER_SECRET)


def sign_headers(*, self_code: str, key: PeerKey, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_PEER: self_code,
        HEADER_KEY: key.key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: _mac(_secret(key), timestamp, nonce, body),
    }


@dataclass(frozen=True)
class Verified:
    peer: Peer


def signature_verify(*, headers: dict[str, str], body: bytes) -> Verified:
    """Check peer, key, signature, timestamp window and nonce; raises SignatureRefused."""
    peer_code = headers.get(HEADER_PEER, "")
    peer = Peer.objects.filter(code=peer_code, is_active=True).first()
    if peer is None:
        raise SignatureRefused(_("Mitra %(p)s tidak dikenal.") % {"p": peer_code or "-"}, "unknown_peer")
    key = PeerKey.objects.filter(peer=peer, key_id=headers.get(HEADER_KEY, ""), retired_at__isnull=True).first()
    signature = headers.get(HEADER_SIGNATURE, "")
    timestamp = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    if key is None or not hmac.compare_digest(_mac(_secret(key), timestamp, nonce, body), signature):
        raise SignatureRefused(_("Tanda tangan pesan tidak sah."), "bad_signature")
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        age = float("inf")
    if age > settings.LAPOR_SYNC_CLOCK_SKEW_SECONDS:
        raise SignatureRefused(_("Stempel waktu pesan kedaluwarsa."), "stale_timestamp")
    if not 16 <= len(nonce) <= 64:
        raise SignatureRefused(_("Nonce pesan tidak sah."), "bad_signature")
    try:
        with transaction.atomic():
            SeenNonce.objects.create(peer_code=peer.code, nonce=nonce, seen_at=timezone.now())
    except IntegrityError as exc:
        raise SignatureRefused(_("Nonce sudah pernah dipakai: pesan ulangan ditolak."), "replayed_nonce") from exc
    return Verified(peer=peer)


def nonce_purge() -> int:
    """Forget nonces older than twice the window: their timestamps are refused anyway."""
    cutoff = timezone.now() - timedelta(seconds=2 * settings.LAPOR_SYNC_CLOCK_SKEW_SECONDS)
    return SeenNonce.objects.filter(seen_at__lt=cutoff).delete()[0]


def signing_key(peer: Peer) -> PeerKey:
    key = PeerKey.objects.filter(peer=peer, retired_at__isnull=True).order_by("-created_at", "-id").first()
    if key is None:
        raise SignatureRefused(_("Mitra %(p)s belum punya kunci aktif.") % {"p": peer.code}, "no_key")
    return key


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued, with its secret in the clear: the only time anyone sees it."""

    key: PeerKey
    secret: str


@transaction.atomic
def peer_key_issue(*, peer: Peer, key_id: str = "", secret: str = "") -> IssuedKey:
    """Issue a new signing key for a peer (rotation: older keys stay valid until retired).

    The hub issues keys; a peer deployment records the same key_id and secret it was given.
    The secret is stored sealed; hand the returned one to the peer over a secure channel.
    """
    secret = secret or secrets.token_urlsafe(32)
    key = PeerKey.objects.create(
        peer=peer, key_id=key_id or secrets.token_hex(8), secret=encrypt(secret, use=PEER_SECRET)
    )
    return IssuedKey(key=key, secret=secret)


@transaction.atomic
def peer_key_retire(*, key: PeerKey) -> None:
    PeerKey.objects.filter(pk=key.pk, retired_at__isnull=True).update(retired_at=timezone.now())
