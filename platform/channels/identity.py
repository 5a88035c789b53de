"""Who wrote: a phone number in one form (+62…), and its keyed hash for lookups.

The sender is kept sealed like every reporter identity (lapor.crypto); lookups ("this number's
conversation", "is this report this number's") go through an HMAC of the normalised address, so
the database never holds a phone number in the clear and cannot be searched by one without the key.
"""

from __future__ import annotations

import hmac

from lapor.lookup import keyed_hash as sender_hash
from lapor.lookup import phone_normalise

__all__ = ["phone_normalise", "same_phone", "sender_hash"]


def same_phone(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(phone_normalise(a), phone_normalise(b))
