"""An SMS's length: 160 GSM-7 characters, or 70 when any character needs UCS-2; longer texts go out
as concatenated parts (153 or 67 characters each, the rest of the 140 bytes carrying the UDH).
The gateway splits; the platform counts the parts (for the delivery record) and keeps replies short.
"""

from __future__ import annotations

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)


def parts_of(text: str) -> int:
    """How many SMS the text takes."""
    if is_gsm7(text):
        length = septets(text)
        return 1 if length <= 160 else -(-length // 153)
    return 1 if len(text) <= 70 else -(-len(text) // 67)


def gsm_safe(text: str) -> str:
    """Replace the few typographic characters that would force UCS-2 (and a 70-character limit)."""
    table = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "«": '"', "»": '"'}  # noqa: RUF001
    return "".join(table.get(ch, ch) for ch in text)
