"""Encryption at rest of secrets the platform keeps (AES-256-GCM from `cryptography`, keys from the env).

Two uses share one key scheme: the reporter's identity (name, phone, e-mail, NIK) and the
signing secrets of sync peers. Each use binds its tokens to itself (AES-GCM's associated data),
so a token copied from one column into another does not decrypt there.

PostgreSQL's pgcrypto is not available in every deployment (the embedded build lacks it), and
keeping the key out of the database is the point, so fields are encrypted in the application.

A value is stored as `v2:` + URL-safe base64 of a random 96-bit nonce and the AES-GCM
ciphertext with its tag, under a 256-bit key derived (HKDF-SHA256) from each configured key, so
the same `LAPOR_IDENTITY_KEYS` serve as before: the first encrypts, every one decrypts. Rows
written before hold Fernet tokens, which still decrypt. New rows no longer use Fernet because it
builds a CBC cipher and an HMAC object in Python for every value, ~11 µs per field on its own and
~45 µs inside a busy request (`make bench-intake`), against ~2 µs for one AESGCM call, on the
path every report takes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "v2:"
_NONCE_BYTES = 12
# Associated data per use: binds a token to the column kind it was written for.
IDENTITY = b"lapor:reporter-identity"
PEER_SECRET = b"lapor:sync-peer-secret"


class _Keys:
    def __init__(self, keys: list[str]) -> None:
        try:
            self.fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError as exc:
            raise ImproperlyConfigured(f"LAPOR_IDENTITY_KEYS holds an invalid Fernet key: {exc}") from None
        self.aead = [AESGCM(_derive(base64.urlsafe_b64decode(k))) for k in keys]


def _derive(material: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=b"lapor reporter identity v2").derive(material)


@lru_cache(maxsize=1)
def _keys() -> _Keys:
    keys = list(settings.LAPOR_IDENTITY_KEYS)
    if not keys:
        # Local runs only (settings refuse this when LAPOR_LOCAL=0): a key derived from SECRET_KEY.
        digest = hashlib.sha256(("lapor-identity:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return _Keys(keys)


@receiver(setting_changed)
def _forget_keys(*, setting: str, **_kwargs: object) -> None:
    if setting in ("LAPOR_IDENTITY_KEYS", "SECRET_KEY"):  # e.g. override_settings in tests
        _keys.cache_clear()


def encrypt(value: str, *, use: bytes = IDENTITY) -> str:
    """Seal `value` under the first configured key; "" stays "" (nothing was given)."""
    if not value:
        return ""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _keys().aead[0].encrypt(nonce, value.encode(), use)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, *, use: bytes = IDENTITY) -> str:
    """Open a token sealed for `use` under any configured key (rotation), or a legacy Fernet token."""
    if not token:
        return ""
    keys = _keys()
    if not token.startswith(PREFIX):
        try:
            return keys.fernet.decrypt(token.encode()).decode()  # written before v2
        except InvalidToken:
            raise _undecryptable() from None
    try:
        blob = base64.urlsafe_b64decode(token[len(PREFIX) :])
    except (binascii.Error, ValueError):
        raise _undecryptable() from None
    for aead in keys.aead:
        try:
            return aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], use).decode()
        except InvalidTag:
            continue
    raise _undecryptable()


def _undecryptable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "a sealed value cannot be decrypted: LAPOR_IDENTITY_KEYS lacks its key (or the stored value was altered)"
    )
