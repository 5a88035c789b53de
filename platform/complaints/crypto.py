"""Encryption at rest of the reporter's identity (Fernet from `cryptography`, keys from the env).

PostgreSQL's pgcrypto is not available in every deployment (the embedded build lacks it), and
keeping the key out of the database is the point, so fields are encrypted in the application.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.LAPOR_IDENTITY_KEYS)
    if not keys:
        # Local runs only (settings refuse this when LAPOR_LOCAL=0): a key derived from SECRET_KEY.
        digest = hashlib.sha256(("lapor-identity:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"LAPOR_IDENTITY_KEYS holds an invalid Fernet key: {exc}") from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("reporter identity cannot be decrypted: LAPOR_IDENTITY_KEYS lacks its key") from None
