"""Keyed hashes of personal addresses (phone, e-mail, NIK), for finding rows without holding them in the clear.

The platform keeps identities sealed (lapor.crypto); a sealed value cannot be searched. An HMAC of
the normalised value can be, and only by someone holding the key: the channel layer finds a
number's messages by it, citizen accounts find an account by it, and the data-protection duties
(complaints.dataprotection) find every report of one person by it. One key and one normalisation
for all of them, so one person's phone number has the same hash in each table.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_DIGITS = re.compile(r"\D")


def phone_normalise(raw: str) -> str:
    """+62 form for Indonesian numbers written as 08…, 628… or +628…; other numbers keep their digits."""
    text = raw.strip()
    digits = _DIGITS.sub("", text)
    if not digits:
        return ""
    if digits.startswith("0"):
        return "+62" + digits[1:]
    if digits.startswith("62") or text.startswith("+"):
        return "+" + digits
    return digits  # a short code or a service account: as it came


def email_normalise(raw: str) -> str:
    return raw.strip().lower()


def nik_normalise(raw: str) -> str:
    return _DIGITS.sub("", raw)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of an already normalised address."""
    key = hashlib.sha256(("lapor-channel-sender:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# "" for nothing given: an empty value is no one's, and must never match another empty one.


def phone_hash(raw: str) -> str:
    value = phone_normalise(raw)
    return keyed_hash(value) if value else ""


def email_hash(raw: str) -> str:
    value = email_normalise(raw)
    return keyed_hash(value) if value else ""


def nik_hash(raw: str) -> str:
    value = nik_normalise(raw)
    return keyed_hash(value) if value else ""
