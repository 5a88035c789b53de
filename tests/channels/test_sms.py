"""SMS in the gateways' own wire formats: Kannel's smsbox get-url and Twilio's signed webhook.

File, check, reply; a retried delivery makes nothing new; another number's report is refused
without a word about it; the national 1708 asks where and files with that Pemda.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from channels.models import Conversation, InboundMessage, OutboundMessage
from channels.providers.twilio import twilio_signature
from channels.retention import inbound_purge
from complaints.audit import Actor
from complaints.models import FollowUp, Notification, Report
from complaints.notifications import notification_deliver
from complaints.services import report_defer
from lapor.crypto import decrypt
from national_hub.models import HubFiling
from tenants.models import Pemda
from tests.channels.conftest import CITIZEN, KEY, OTHER_CITIZEN

pytestmark = pytest.mark.django_db
_ids = count(1)


def kannel(text: str, *, sender: str = CITIZEN, to: str = "+6281100000031", host: str = "localhost",
           message_id: str | None = None, key: str = KEY) -> Any:  # fmt: skip
    """What smsbox sends for one SMS: get-url with %p, %P, %a, %I and the shared key."""
    params = {"key": key, "from": sender, "to": to, "text": text, "id": message_id or f"kannel-{next(_ids)}"}
    return Client(HTTP_HOST=host).get("/channels/kannel/sms/", params)


def replies(schema: str) -> list[str]:
    with schema_context(schema):
        return list(OutboundMessage.objects.order_by("pk").values_list("text", flat=True))


def test_an_sms_files_a_report_and_the_reply_carries_its_tracking_id(numbers: Any, jakarta: Pemda) -> None:
    answer = kannel("LAPOR Lampu jalan di depan SDN 03 Gambir mati sejak Senin", message_id="k-1")
    assert answer.status_code == 200 and answer.content == b""
    with tenant_context(jakarta):
        (report,) = Report.objects.all()
        assert (report.channel, decrypt(report.reporter_phone)) == ("sms", "+6281234567890")
        assert report.text == "Lampu jalan di depan SDN 03 Gambir mati sejak Senin"
    (reply,) = replies(jakarta.schema_name)
    assert report.tracking_id in reply and f"CEK {report.tracking_id}" in reply and len(reply) <= 160

    # Kannel retries the same message (a timeout on its side): nothing new is made.
    assert kannel("LAPOR Lampu jalan di depan SDN 03 Gambir mati sejak Senin", message_id="k-1").status_code == 200
    with tenant_context(jakarta):
        assert Report.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert len(replies(jakarta.schema_name)) == 1


def test_check_and_reply_act_only_on_the_senders_own_reports(numbers: Any, jakarta: Pemda) -> None:
    kannel("LAPOR Saluran air di Jalan Kebon Sirih tersumbat sampah")
    with tenant_context(jakarta):
        report = Report.objects.get()
    kannel(f"CEK {report.tracking_id.lower().replace('-', '')}")
    status = replies(jakarta.schema_name)[-1]
    assert report.tracking_id in status and "Menunggu verifikasi" in status

    kannel(f"BALAS {report.tracking_id} Sampahnya sudah menumpuk sampai ke jalan")
    with tenant_context(jakarta):
        (reply,) = FollowUp.objects.filter(report=report)
        assert reply.author_kind == "reporter" and reply.text == "Sampahnya sudah menumpuk sampai ke jalan"

    # Another number asks about it, or writes to it: the same refusal as for a report that does not exist.
    kannel(f"CEK {report.tracking_id}", sender=OTHER_CITIZEN)
    kannel(f"BALAS {report.tracking_id} Ini laporan saya juga", sender=OTHER_CITIZEN)
    kannel("CEK ZZZZ-ZZZZZ", sender=OTHER_CITIZEN)
    refusals = replies(jakarta.schema_name)[-3:]
    assert refusals[0] == refusals[1].replace(report.tracking_id, report.tracking_id)
    assert all("tidak ditemukan untuk nomor Anda" in r for r in refusals)
    assert all("Menunggu" not in r and "Kebon Sirih" not in r for r in refusals)
    with tenant_context(jakarta):
        assert FollowUp.objects.filter(report=report).count() == 1


def test_an_unknown_keyword_gets_the_help_text_in_the_senders_language(numbers: Any, jakarta: Pemda) -> None:
    kannel("halo apakah ini layanan pengaduan")
    kannel("HELP")
    help_id, help_en = replies(jakarta.schema_name)
    assert "LAPOR <isi laporan>" in help_id and "CEK" in help_id
    assert help_en.startswith("LAPOR! Send: REPORT <your report>")
    with tenant_context(jakarta):
        assert not Report.objects.exists()


def test_a_bad_key_or_a_malformed_message_is_refused_and_nothing_is_kept(numbers: Any, jakarta: Pemda) -> None:
    assert kannel("LAPOR Jalan rusak parah di Cempaka Putih", key="salah").status_code == 403
    missing = Client(HTTP_HOST="localhost").get("/channels/kannel/sms/", {"key": KEY, "text": "LAPOR jalan rusak"})
    assert missing.status_code == 400
    assert kannel("LAPOR " + "x" * 2000).status_code == 400
    # A number this Pemda does not serve, on its own host.
    assert kannel("LAPOR Jalan rusak parah", to="+6281199999999", host="jakarta.localhost").status_code == 404
    with tenant_context(jakarta):
        assert not InboundMessage.objects.exists() and not Report.objects.exists()


def test_the_national_number_asks_where_and_files_with_that_pemda(numbers: Any, bekasi: Pemda) -> None:
    kannel("LAPOR Jembatan penyeberangan di Jalan Ahmad Yani retak dan miring", to="1708")
    assert replies("public")[-1].startswith("Di kota/kabupaten mana?")
    kannel("Bekasi", to="1708")
    assert "Kota Bekasi" in replies("public")[-1] and "Kabupaten Bekasi" in replies("public")[-1]
    kannel("Kota Bekasi", to="1708")
    with tenant_context(bekasi):
        report = Report.objects.get()
        assert report.channel == "sms" and report.region_code == "32.75"
        assert "Jembatan penyeberangan" in report.text
    assert HubFiling.objects.get(tracking_id=report.tracking_id).pemda == bekasi
    filed = replies("public")[-1]
    assert report.tracking_id in filed and "Kota Bekasi" in filed

    # CEK at 1708 finds it in Bekasi; Bekasi's own news goes back by SMS from 1708, not e-mail.
    kannel(f"CEK {report.tracking_id}", to="1708")
    assert "Menunggu verifikasi" in replies("public")[-1]
    with tenant_context(bekasi):
        assert not Notification.objects.filter(report=report).exists()  # the filing reply was the receipt
        report_defer(
            report=report, actor=Actor(user_id=None, label="verifikator"), question="Di sisi mana jembatannya?"
        )
        (notification,) = Notification.objects.filter(report=report, to_reporter=True)
        assert notification_deliver(notification_id=notification.pk) == "channel"
        (news,) = OutboundMessage.objects.filter(report_id=report.pk)
        assert news.address == "1708" and "Di sisi mana jembatannya?" in news.text
        assert decrypt(news.recipient) == "+6281234567890"


def test_twilio_signed_webhook_files_once_and_a_bad_signature_is_refused(numbers: Any, jakarta: Pemda) -> None:
    url = "http://jakarta.localhost/channels/twilio/sms/"
    params = {"MessageSid": "SM0001", "AccountSid": "AC123", "From": "+6281234567890", "To": "+6281100000031",
              "Body": "LAPOR Trotoar di Jalan Thamrin berlubang besar", "NumMedia": "0"}  # fmt: skip
    signature = twilio_signature(url, params, "token-twilio-uji")
    client = Client(HTTP_HOST="jakarta.localhost")
    for _ in range(2):  # Twilio retries on a slow answer
        answer = client.post("/channels/twilio/sms/", params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert answer.status_code == 200 and b"<Response>" in answer.content
    forged = client.post("/channels/twilio/sms/", {**params, "MessageSid": "SM0002"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert forged.status_code == 403
    with tenant_context(jakarta):
        (report,) = Report.objects.all()
        assert report.channel == "sms" and "Thamrin" in report.text
    assert report.tracking_id in replies(jakarta.schema_name)[-1]


def test_a_number_is_limited_per_day_at_its_pemda_and_at_1708_and_again_welcome_a_day_later(
    numbers: Any, jakarta: Pemda, bekasi: Pemda, settings: Any
) -> None:
    settings.LAPOR_CHANNEL_REPORTS_PER_DAY = 1
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert kannel("LAPOR Trotoar amblas di depan Stasiun Cikini")["X-Lapor-Outcome"] == "report"
        assert kannel("LAPOR Saluran air tersumbat di Jalan Kramat Raya")["X-Lapor-Outcome"] == "limited"
        assert "Batas 1 laporan per hari" in replies(jakarta.schema_name)[-1]
        # At the national number the report counts once its place is known and it is filed.
        kannel("LAPOR Jembatan penyeberangan di Jalan Ahmad Yani retak", to="1708")
        assert kannel("Kota Bekasi", to="1708")["X-Lapor-Outcome"] == "report"
        assert kannel("LAPOR Lampu jalan mati di Jalan Juanda", to="1708")["X-Lapor-Outcome"] == "limited"
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert kannel("LAPOR Pohon tumbang di Jalan Salemba")["X-Lapor-Outcome"] == "limited"
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        assert kannel("LAPOR Pohon tumbang di Jalan Salemba")["X-Lapor-Outcome"] == "report"
    with tenant_context(jakarta):
        assert Report.objects.count() == 2
    with tenant_context(bekasi):
        assert Report.objects.count() == 1


def test_a_report_that_names_its_place_first_is_filed_at_1708_without_the_question(numbers: Any, bekasi: Pemda) -> None:
    assert kannel("LAPOR Kota Bekasi: Jembatan di Jalan Ahmad Yani retak", to="1708")["X-Lapor-Outcome"] == "report"
    with tenant_context(bekasi):
        report = Report.objects.get()
        assert report.text == "Jembatan di Jalan Ahmad Yani retak" and report.region_code == "32.75"
    assert report.tracking_id in replies("public")[-1] and "Kota Bekasi" in replies("public")[-1]
    # A name that fits two places, or none, is asked about as before, the whole text kept.
    assert kannel("LAPOR Bekasi - Lampu jalan mati di Jalan Juanda", to="1708")["X-Lapor-Outcome"] == "question"
    assert replies("public")[-1].startswith("Di kota/kabupaten mana?")
    kannel("Kota Bekasi", to="1708")
    with tenant_context(bekasi):
        assert Report.objects.filter(text="Bekasi - Lampu jalan mati di Jalan Juanda").exists()


def test_a_question_left_unanswered_lapses_and_its_text_is_dropped(numbers: Any, bekasi: Pemda) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        kannel("LAPOR Jembatan penyeberangan di Jalan Ahmad Yani retak dan miring", to="1708")
        assert replies("public")[-1].startswith("Di kota/kabupaten mana?")
    with time_machine.travel(start + timedelta(hours=73), tick=False):
        # Three days later "Kota Bekasi" answers nothing any more: no old report is filed.
        assert kannel("Kota Bekasi", to="1708")["X-Lapor-Outcome"] == "help"
        with tenant_context(bekasi):
            assert not Report.objects.exists()
        kannel("LAPOR Pohon tumbang menutup trotoar di Jalan Juanda", to="1708")  # asked anew
        conversation = Conversation.objects.get(provider="kannel")
        assert conversation.pending["text"] == "Pohon tumbang menutup trotoar di Jalan Juanda"
    with time_machine.travel(start + timedelta(hours=73 + 72, minutes=1), tick=False):
        inbound_purge()  # the daily retention task
        conversation.refresh_from_db()
        assert conversation.pending == {}


def test_english_keywords_and_the_last_answer_of_the_pemda(numbers: Any, jakarta: Pemda) -> None:
    kannel("REPORT The drain on Jalan Kebon Sirih is blocked with rubbish")
    with tenant_context(jakarta):
        report = Report.objects.get()
    assert replies(jakarta.schema_name)[-1].startswith("LAPOR! ")
    kannel(f"CHECK {report.tracking_id}")
    assert "Awaiting verification" in replies(jakarta.schema_name)[-1], replies(jakarta.schema_name)[-1]
    with tenant_context(jakarta):
        report_defer(report=report, actor=Actor(user_id=None, label="verifikator"), question="Di depan nomor berapa?")
    kannel(f"CEK {report.tracking_id}")
    status = replies(jakarta.schema_name)[-1]
    assert "Ditunda" in status and "Tanggapan terakhir: Di depan nomor berapa?" in status, status
    kannel(f"REPLY {report.tracking_id} In front of number 12")
    assert "received" in replies(jakarta.schema_name)[-1]
    with tenant_context(jakarta):
        assert FollowUp.objects.filter(report=report, author_kind="reporter").get().text == "In front of number 12"


def test_a_nul_character_from_a_gateway_is_dropped_not_a_server_error(numbers: Any, jakarta: Pemda) -> None:
    assert kannel("LAPOR Jalan\x00 berlubang di depan Pasar Senen", message_id="k-nul\x00").status_code == 200
    url = "http://jakarta.localhost/channels/twilio/sms/"
    params = {"MessageSid": "SMnul", "AccountSid": "AC123", "From": "+6281234567890", "To": "+6281100000031",
              "Body": "LAPOR Halte\x00 bus di Jalan Thamrin rusak", "NumMedia": "0"}  # fmt: skip
    answer = Client(HTTP_HOST="jakarta.localhost").post(
        "/channels/twilio/sms/", params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params, "token-twilio-uji")
    )
    assert answer.status_code == 200
    with tenant_context(jakarta):
        texts = set(Report.objects.values_list("text", flat=True))
    assert texts == {"Jalan berlubang di depan Pasar Senen", "Halte bus di Jalan Thamrin rusak"}
