"""A citizen's phone number or e-mail address: checked, written one way, and hashed for lookups.

Phone numbers are Indonesian mobile numbers (the code goes out through the platform's SMS
gateway), written as the SMS channel writes them (+62…), so an account's hash is the same keyed
hash (channels.identity.sender_hash) the channel layer keeps for that number's messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from channels.identity import phone_normalise, sender_hash
from citizens.models import ContactKind

# +62 8xx…: an Indonesian mobile number, 9 to 12 digits after the 8's leading zero is dropped.
_MOBILE = re.compile(r"^\+628[0-9]{7,11}$")


@dataclass(frozen=True)
class Contact:
    kind: str  # ContactKind
    value: str  # normalised: +628… or a lower-case e-mail address

    @property
    def hash(self) -> str:
        return sender_hash(self.value)

    @property
    def masked(self) -> str:
        """What the citizen may be shown back: enough to recognise, not to copy."""
        if self.kind == ContactKind.PHONE:
            return self.value[:6] + "•" * (len(self.value) - 9) + self.value[-3:]
        local, _at, domain = self.value.partition("@")
        return local[:2] + "•" * max(len(local) - 2, 1) + "@" + domain


def phone_contact(raw: str) -> Contact:
    value = phone_normalise(raw)
    if not _MOBILE.match(value):
        raise ValidationError(
            {"phone": _("Nomor ponsel harus nomor Indonesia, misalnya 081234567890 atau +6281234567890.")}
        )
    return Contact(kind=ContactKind.PHONE, value=value)


def email_contact(raw: str) -> Contact:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({"email": _("Alamat surel tidak valid.")}) from None
    return Contact(kind=ContactKind.EMAIL, value=value)
