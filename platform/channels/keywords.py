"""The keywords citizens type, in Indonesian and English.

`LAPOR <teks>` / `REPORT <text>` files a report; `CEK <nomor>` / `CHECK <id>` asks its status;
`BALAS <nomor> <teks>` / `REPLY <id> <text>` adds the reporter's reply. Anything else is `other`
(the help text, or the answer to a question the platform asked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.tracking import tracking_id_normalize

_WORDS = {
    "LAPOR": "report", "REPORT": "report", "ADUAN": "report",
    "CEK": "check", "CHECK": "check", "STATUS": "check",
    "BALAS": "reply", "REPLY": "reply",
    "BANTUAN": "help", "HELP": "help", "INFO": "help",
}  # fmt: skip
_ENGLISH = {"REPORT", "CHECK", "STATUS", "REPLY", "HELP", "YES"}
YES = {"YA", "YES", "Y", "OK"}
_TRACKING = re.compile(r"^\s*([0-9A-Za-z]{4}-?[0-9A-Za-z*~$=]{5})(?=\s|$)\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    kind: str  # report | check | reply | help | yes | other
    body: str = ""
    tracking_id: str | None = None  # normalised; None when absent or invalid
    typed_id: str = ""  # as typed, to echo back
    language: str = "id"  # the keyword's language: the answer's


def parse(text: str) -> Command:
    stripped = (text or "").strip()
    head, _sep, rest = stripped.partition(" ")
    word = head.upper().rstrip(":.,!")
    kind = _WORDS.get(word)
    language = "en" if word in _ENGLISH else "id"
    if kind is None:
        return Command("yes" if word in YES and not rest.strip() else "other", stripped, language=language)
    rest = rest.strip()
    if kind in ("check", "reply"):
        found = _TRACKING.match(rest)
        typed = found.group(1) if found else rest.split(" ", 1)[0] if rest else ""
        body = found.group(2).strip() if found else ""
        return Command(kind, body, tracking_id_normalize(typed) if typed else None, typed, language)
    return Command(kind, rest, language=language)
