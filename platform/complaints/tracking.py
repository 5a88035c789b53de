"""Tracking IDs: short enough to type into an SMS, random so they cannot be guessed in sequence.

Eight random Crockford base-32 symbols (40 bits; no I, L, O, U to misread) plus a check symbol
that catches a single mistyped character, shown as `XXXX-XXXXX`.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CHECK = ALPHABET + "*~$=U"  # Crockford's 37-symbol check alphabet


def _check_symbol(body: str) -> str:
    value = 0
    for ch in body:
        value = value * 32 + ALPHABET.index(ch)
    return _CHECK[value % 37]


def tracking_id_new() -> str:
    value = int.from_bytes(secrets.token_bytes(5), "big")  # 40 random bits, one system call
    body = "".join(ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"{body[:4]}-{body[4:]}{_check_symbol(body)}"


def tracking_id_normalize(raw: str) -> str | None:
    """Accept what a citizen types (lower case, no dash, O for 0, I/L for 1); None when invalid."""
    text = raw.strip().upper().replace("-", "").replace(" ", "")
    text = text.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(text) != 9 or any(ch not in ALPHABET for ch in text[:8]) or text[8] != _check_symbol(text[:8]):
        return None
    return f"{text[:4]}-{text[4:]}"
