"""The English catalogue is complete and compiled: no page shows a string left in Indonesian.

`make messages` regenerates it with GNU gettext; these checks need no gettext tools.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "platform" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _entries() -> list[dict[str, object]]:
    """A small reader of the .po: each entry's msgid, msgid_plural, msgstr(s) and flags."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for line in [*PO.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["flags"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        else:
            head, _sep, rest = line.partition(" ")
            if head.startswith("msg"):
                key = head
                current[key] = ""
                line = rest
            current[key] = str(current.get(key, "")) + "".join(_QUOTED.findall(line))
    return entries


def _unescape(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape")


def test_every_string_is_translated_and_none_is_fuzzy() -> None:
    entries = [e for e in _entries() if e["msgid"]]
    assert len(entries) > 400
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in str(e.get("flags", ""))]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [
        e["msgid"]
        for e in _entries()
        if e["msgid"] and "msgstr" in e and catalogue.gettext(_unescape(str(e["msgid"]))) != _unescape(str(e["msgstr"]))
    ]
    assert stale == [], "run `make messages`"


def test_every_literal_translate_tag_of_the_templates_is_in_the_catalogue() -> None:
    known = {_unescape(str(e["msgid"])) for e in _entries()}
    missing = []
    templates = [
        *(REPO / "platform").rglob("templates/**/*.html"),
        *(REPO / "national_hub").rglob("templates/**/*.html"),
    ]
    for template in templates:
        for text in re.findall(r'{%\s*translate\s+"([^"]+)"', template.read_text(encoding="utf-8")):
            # The tag looks a literal up with its percent signs doubled, as makemessages wrote it.
            if text not in known and text.replace("%", "%%") not in known:
                missing.append(f"{template.name}: {text}")
    assert missing == [], "run `make messages`"
