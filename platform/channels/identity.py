"""Who wrote: a phone number in one form (+62…), and its keyed hash for lookups.

The sender is kept sealed like every reporter identity (lapor.crypto); lookups ("this number's
conversation", "is this report this number's") go through an HMAC of the normalised address, so
the database never holds a phone number in the clear and cannot be searched by one without the key.
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


def sender_hash(address: str) -> str:
    key = hashlib.sha256(("lapor-channel-sender:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def same_phone(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(phone_normalise(a), phone_normalise(b))
