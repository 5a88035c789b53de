"""The keywords and the SMS length rules, on their own."""

from __future__ import annotations

import pytest

from channels.identity import phone_normalise
from channels.keywords import parse
from channels.sms import parts_of
from complaints.tracking import tracking_id_new


@pytest.mark.parametrize("_round", range(40))
def test_a_reply_keeps_its_text_whatever_the_tracking_ids_check_symbol(_round: int) -> None:
    tid = tracking_id_new()  # its last symbol may be *, ~, $, = or U
    command = parse(f"balas {tid} Airnya sudah surut tadi pagi")
    assert (command.kind, command.tracking_id, command.body) == ("reply", tid, "Airnya sudah surut tadi pagi")
    typed = tid.lower().replace("-", "")
    assert parse(f"CEK {typed}").tracking_id == tid


def test_keywords_in_both_languages_and_anything_else() -> None:
    assert parse("LAPOR jalan rusak").kind == "report" and parse("LAPOR jalan rusak").language == "id"
    assert parse("report broken road").kind == "report" and parse("report broken road").language == "en"
    assert parse("Lapor: banjir").body == "banjir"
    assert parse("ya").kind == "yes" and parse("YES").kind == "yes"
    assert parse("selamat pagi").kind == "other"
    assert parse("CEK bukan-nomor").tracking_id is None


def test_phone_numbers_in_one_form() -> None:
    assert phone_normalise("0812-3456-7890") == phone_normalise("+62 812 3456 7890") == "+6281234567890"
    assert phone_normalise("6281234567890") == "+6281234567890" and phone_normalise("1708") == "1708"


def test_sms_parts() -> None:
    assert parts_of("a" * 160) == 1 and parts_of("a" * 161) == 2 and parts_of("a" * 306) == 2
    assert parts_of("é" * 160) == 1  # é is GSM-7
    assert parts_of("ł" * 70) == 1 and parts_of("ł" * 71) == 2  # UCS-2
