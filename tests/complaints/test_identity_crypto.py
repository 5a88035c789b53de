"""The reporter's identity at rest: AES-GCM tokens, key rotation, and the Fernet tokens of older rows."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from lapor.crypto import PREFIX, decrypt, encrypt

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _with_keys(*keys: str) -> override_settings:
    return override_settings(LAPOR_IDENTITY_KEYS=list(keys))


def test_value_is_sealed_with_a_fresh_nonce_and_opens_again() -> None:
    with _with_keys(NEW_KEY):
        first, second = encrypt("budi.rahasia@example.id"), encrypt("budi.rahasia@example.id")
        assert first.startswith(PREFIX) and "budi" not in first
        assert first != second  # equal e-mails are not recognisable as equal at rest
        assert decrypt(first) == decrypt(second) == "budi.rahasia@example.id"
        assert encrypt("") == "" and decrypt("") == ""


def test_rotation_first_key_encrypts_every_key_decrypts() -> None:
    with _with_keys(OLD_KEY):
        sealed_before = encrypt("Budi Santoso")
    with _with_keys(NEW_KEY, OLD_KEY):
        assert decrypt(sealed_before) == "Budi Santoso"
        sealed_after = encrypt("Budi Santoso")
    with _with_keys(NEW_KEY):
        assert decrypt(sealed_after) == "Budi Santoso"
        with pytest.raises(ImproperlyConfigured, match="LAPOR_IDENTITY_KEYS lacks its key"):
            decrypt(sealed_before)


def test_fernet_tokens_of_older_rows_still_decrypt() -> None:
    legacy = Fernet(OLD_KEY.encode()).encrypt(b"081298765432").decode()
    with _with_keys(NEW_KEY, OLD_KEY):
        assert decrypt(legacy) == "081298765432"
    with _with_keys(NEW_KEY), pytest.raises(ImproperlyConfigured):
        decrypt(legacy)


def test_an_altered_value_is_refused_not_misread() -> None:
    with _with_keys(NEW_KEY):
        sealed = encrypt("3171012345678901")
        middle = len(sealed) // 2
        altered = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
        with pytest.raises(ImproperlyConfigured, match="altered"):
            decrypt(altered)
        with pytest.raises(ImproperlyConfigured):
            decrypt(PREFIX + "not base64 at all!")


def test_an_invalid_key_is_named_at_first_use() -> None:
    with _with_keys("not-a-fernet-key"), pytest.raises(ImproperlyConfigured, match="invalid Fernet key"):
        encrypt("x")
