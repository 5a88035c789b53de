"""Password rules beyond Django's own validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """At most `max_length` characters (OWASP ASVS 5.0 asks for at least 64 allowed; 128 here).

    Hashing a megabyte-long password costs the server; nobody types more than this.
    """

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(self._message(), code="password_too_long", params={"max_length": self.max_length})

    def _message(self) -> str:
        return ngettext(
            "Kata sandi terlalu panjang: paling banyak %(max_length)d karakter.",
            "Kata sandi terlalu panjang: paling banyak %(max_length)d karakter.",
            self.max_length,
        )

    def get_help_text(self) -> str:
        return self._message() % {"max_length": self.max_length}
