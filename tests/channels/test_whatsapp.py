"""WhatsApp through the Cloud API's own wire format: Meta's verification handshake, change
notifications signed with X-Hub-Signature-256 as Meta signs them, media fetched from a local
server playing the Graph API, replies posted to its messages endpoint, and delivery statuses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from PIL import Image

from channels.models import Conversation, InboundMessage, OutboundMessage, OutboundStatus
from channels.outbound import outbound_send
from channels.providers.whatsapp import whatsapp_signature
from complaints.audit import Actor
from complaints.models import Attachment, FollowUp, Notification, Report
from complaints.notifications import notification_deliver
from complaints.services import report_defer
from lapor.crypto import decrypt
from tenants.models import ChannelAddress, Pemda
from tests.channels.apiserver import ApiServer, Call, as_json, running_api

pytestmark = pytest.mark.django_db

APP_SECRET = "rahasia-aplikasi-meta-uji"
VERIFY_TOKEN = "token-verifikasi-uji"
TOKEN = "EAAG-token-uji"
NUMBER_ID = "106540352242922"
DISPLAY = "6281100000032"
CITIZEN = "6281234567890"
OTHER = "6281298765432"
_ids = count(1)


def _photo() -> bytes:
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "KameraUji"  # Make: must not survive the intake's checks
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


PHOTO = _photo()
MEDIA = {"media-foto": (PHOTO, "image/jpeg"), "media-suara": (b"OggS\x00\x02" + b"\x00" * 200, "audio/ogg")}


def graph(call: Call) -> tuple[int, str, bytes]:
    """Meta's Graph API, as far as the platform uses it."""
    if call.headers.get("Authorization") != f"Bearer {TOKEN}":
        return as_json(
            401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        )
    media_id = call.path.strip("/")
    if call.method == "GET" and media_id in MEDIA:
        data, mime = MEDIA[media_id]
        return as_json(200, {"messaging_product": "whatsapp", "id": media_id, "mime_type": mime,
                             "file_size": len(data), "url": f"{API['url']}/download/{media_id}?ext=1"})  # fmt: skip
    if call.method == "GET" and call.path.startswith("/download/"):
        data, mime = MEDIA[call.path.rsplit("/", 1)[1]]
        return 200, mime, data
    if call.method == "POST" and call.path == f"/{NUMBER_ID}/messages":
        sent = call.json()
        return as_json(200, {"messaging_product": "whatsapp", "contacts": [{"input": sent["to"], "wa_id": sent["to"]}],
                             "messages": [{"id": f"wamid.keluar-{next(_ids)}"}]})  # fmt: skip
    return as_json(404, {"error": {"message": "Unknown path", "code": 100}})


API: dict[str, str] = {}


@pytest.fixture
def meta(jakarta: Pemda, hub: Pemda, settings: Any) -> Iterator[ApiServer]:
    with running_api(graph) as api:
        API["url"] = api.base_url
        ChannelAddress.objects.create(kind="whatsapp", address=NUMBER_ID, tenant=jakarta)
        settings.LAPOR_WHATSAPP = {"base_url": api.base_url, "token": TOKEN, "phone_number_id": NUMBER_ID,
                                   "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}  # fmt: skip
        yield api


def change(*, messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None,
           number_id: str = NUMBER_ID) -> dict[str, Any]:  # fmt: skip
    """A change notification as the Cloud API documents it."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY, "phone_number_id": number_id},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Budi"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}  # fmt: skip


def text(body: str, *, sender: str = CITIZEN, message_id: str | None = None) -> dict[str, Any]:
    return {"from": sender, "id": message_id or f"wamid.masuk-{next(_ids)}", "timestamp": "1764892800",
            "type": "text", "text": {"body": body}}  # fmt: skip


def media(kind: str, media_id: str, caption: str = "", *, sender: str = CITIZEN) -> dict[str, Any]:
    item = {"id": media_id, "mime_type": MEDIA[media_id][1], "sha256": "ignored"}
    if caption:
        item["caption"] = caption
    return {"from": sender, "id": f"wamid.masuk-{next(_ids)}", "timestamp": "1764892800", "type": kind, kind: item}


def post(payload: Any, *, secret: str = APP_SECRET, host: str = "jakarta.localhost", raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    return Client(HTTP_HOST=host).post("/channels/whatsapp/", data=body, content_type="application/json",
                                       HTTP_X_HUB_SIGNATURE_256=whatsapp_signature(body, secret))  # fmt: skip


def say(body: str, **kwargs: Any) -> Any:
    answer = post(change(messages=[text(body, **kwargs)]))
    assert answer.status_code == 200, answer.content
    return answer


def replies(pemda: Pemda) -> list[str]:
    with schema_context(pemda.schema_name):
        return list(OutboundMessage.objects.order_by("pk").values_list("text", flat=True))


def send_all(pemda: Pemda) -> None:
    """What the worker does after commit: each queued message through the Graph API."""
    with tenant_context(pemda):
        for pk in OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).values_list("pk", flat=True):
            assert outbound_send(outbound_id=pk) == "sent"


def test_metas_verification_handshake(meta: ApiServer) -> None:
    client = Client(HTTP_HOST="jakarta.localhost")
    ok = client.get("/channels/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                            "hub.challenge": "1158201444"})  # fmt: skip
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get("/channels/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "tebakan",
                                               "hub.challenge": "1158201444"})  # fmt: skip
    assert wrong.status_code == 403 and b"1158201444" not in wrong.content
    assert client.get("/channels/whatsapp/", {"hub.verify_token": VERIFY_TOKEN}).status_code == 400


def test_a_first_report_waits_for_ya_then_is_filed_and_answered_through_the_graph_api(
    meta: ApiServer, jakarta: Pemda
) -> None:
    first = text("LAPOR Jalan di depan Pasar Senen berlubang dalam dan sudah memakan korban")
    for _ in range(2):  # Meta delivers again when the first answer was slow: nothing new
        assert post(change(messages=[first])).status_code == 200
    (question,) = replies(jakarta)
    assert "Balas YA" in question
    with tenant_context(jakarta):
        assert not Report.objects.exists() and InboundMessage.objects.count() == 1

    say("ya")
    with tenant_context(jakarta):
        (report,) = Report.objects.all()
        assert report.channel == "whatsapp" and decrypt(report.reporter_phone) == "+" + CITIZEN
        assert report.text == "Jalan di depan Pasar Senen berlubang dalam dan sudah memakan korban"
    filed = replies(jakarta)[-1]
    assert report.tracking_id in filed and f"CEK {report.tracking_id}" in filed

    send_all(jakarta)
    posted = meta.made("POST", f"/{NUMBER_ID}/messages")
    assert len(posted) == 2 and all(c.headers["Authorization"] == f"Bearer {TOKEN}" for c in posted)
    body = posted[-1].json()
    assert (body["messaging_product"], body["to"], body["type"]) == ("whatsapp", CITIZEN, "text")
    assert body["text"]["body"] == filed and body["context"]["message_id"].startswith("wamid.masuk-")

    # A confirmed number files straight away the next time.
    say("LAPOR Lampu penerangan di Jalan Kramat Raya padam sepanjang malam")
    with tenant_context(jakarta):
        assert Report.objects.count() == 2
        assert Conversation.objects.get(provider="whatsapp").confirmed_at is not None


def test_delivery_statuses_are_recorded(meta: ApiServer, jakarta: Pemda) -> None:
    say("halo")
    send_all(jakarta)
    with tenant_context(jakarta):
        (sent,) = OutboundMessage.objects.all()
        wamid = sent.provider_ids[0]
    status = {"id": wamid, "status": "delivered", "timestamp": "1764892900", "recipient_id": CITIZEN}
    assert post(change(statuses=[{**status, "status": "sent"}])).status_code == 200
    with tenant_context(jakarta):
        assert OutboundMessage.objects.get().status == OutboundStatus.SENT
    assert post(change(statuses=[status])).status_code == 200
    with tenant_context(jakarta):
        assert OutboundMessage.objects.get().status == OutboundStatus.DELIVERED

    say("halo lagi")
    send_all(jakarta)
    with tenant_context(jakarta):
        failed = OutboundMessage.objects.order_by("pk").last()
    error = {"code": 131047, "title": "Re-engagement message"}
    post(change(statuses=[{"id": failed.provider_ids[0], "status": "failed", "timestamp": "1764893000",
                           "recipient_id": CITIZEN, "errors": [error]}]))  # fmt: skip
    with tenant_context(jakarta):
        failed.refresh_from_db()
        assert failed.status == OutboundStatus.FAILED and "131047" in failed.last_error


def test_a_photo_becomes_the_reports_attachment_and_a_voice_note_is_refused_politely(
    meta: ApiServer, jakarta: Pemda
) -> None:
    say("LAPOR Trotoar Jalan Salemba rusak")
    say("YA")  # the number is confirmed
    answer = post(change(messages=[media("image", "media-foto", "LAPOR Tumpukan sampah di bantaran Kali Ciliwung")]))
    assert answer.status_code == 200
    with tenant_context(jakarta):
        report = Report.objects.get(text="Tumpukan sampah di bantaran Kali Ciliwung")
        (attachment,) = Attachment.objects.filter(report=report)
        assert attachment.content_type == "image/jpeg"
        with attachment.file.open("rb") as stored, Image.open(stored) as image:
            assert image.size == (64, 48) and 0x010F not in image.getexif()  # EXIF stripped
    fetched = [c.path for c in meta.calls if c.method == "GET"]
    assert fetched == ["/media-foto", "/download/media-foto"]
    assert all(c.headers["Authorization"] == f"Bearer {TOKEN}" for c in meta.calls)

    # A photo first, the words after: the photo goes with the report; a voice note fails the checks.
    post(change(messages=[media("image", "media-foto")]))
    assert "Lampiran diterima" in replies(jakarta)[-1]
    post(change(messages=[media("audio", "media-suara")]))
    say("LAPOR Genangan air setinggi lutut di underpass Matraman")
    with tenant_context(jakarta):
        report = Report.objects.get(text="Genangan air setinggi lutut di underpass Matraman")
        assert Attachment.objects.filter(report=report).count() == 1
    filed = replies(jakarta)[-1]
    assert report.tracking_id in filed and "bukan gambar JPEG/PNG/WebP atau dokumen PDF" in filed


def test_check_and_reply_act_only_on_the_numbers_own_reports(meta: ApiServer, jakarta: Pemda) -> None:
    say("LAPOR Pohon besar condong ke kabel listrik di Jalan Percetakan Negara")
    say("YA")
    with tenant_context(jakarta):
        report = Report.objects.get()
    say(f"CEK {report.tracking_id}")
    assert "Menunggu verifikasi" in replies(jakarta)[-1]
    say(f"BALAS {report.tracking_id} Dahannya sudah patah sebagian")
    with tenant_context(jakarta):
        assert FollowUp.objects.get(report=report).text == "Dahannya sudah patah sebagian"
    say(f"CEK {report.tracking_id}", sender=OTHER)
    say(f"BALAS {report.tracking_id} bukan punya saya", sender=OTHER)
    assert all("tidak ditemukan untuk nomor Anda" in r for r in replies(jakarta)[-2:])
    with tenant_context(jakarta):
        assert FollowUp.objects.filter(report=report).count() == 1

    # The Pemda's later news reaches the reporter on WhatsApp, from the same business number.
    with tenant_context(jakarta):
        report_defer(report=report, actor=Actor(user_id=None, label="verifikator"), question="Di nomor berapa?")
        (notification,) = Notification.objects.filter(report=report, to_reporter=True)
        assert notification_deliver(notification_id=notification.pk) == "channel"
        notification_deliver(notification_id=notification.pk)  # the task delivered again (a retry)
        (news,) = OutboundMessage.objects.filter(notification_id=notification.pk)
        assert (news.provider, news.address) == ("whatsapp", NUMBER_ID) and "Di nomor berapa?" in news.text
    send_all(jakarta)
    assert meta.made("POST", f"/{NUMBER_ID}/messages")[-1].json()["to"] == CITIZEN


def test_news_after_a_day_of_silence_goes_out_as_the_approved_template(meta: ApiServer, jakarta: Pemda) -> None:
    say("LAPOR Saluran air di Jalan Cempaka Putih tersumbat sampah sejak seminggu")
    say("YA")
    send_all(jakarta)
    with tenant_context(jakarta):
        report = Report.objects.get()
        # The citizen's last message was 25 hours ago: Meta's 24-hour window has closed.
        InboundMessage.objects.update(created_at=timezone.now() - timedelta(hours=25))
        report_defer(
            report=report, actor=Actor(user_id=None, label="verifikator"), question="Di RT berapa?\nMohon   jelaskan."
        )
        (notification,) = Notification.objects.filter(report=report, to_reporter=True)
        assert notification_deliver(notification_id=notification.pk) == "channel"
    send_all(jakarta)
    body = meta.made("POST", f"/{NUMBER_ID}/messages")[-1].json()
    assert (body["to"], body["type"]) == (CITIZEN, "template") and "text" not in body
    assert body["template"]["name"] == "lapor_pembaruan" and body["template"]["language"] == {"code": "id"}
    (parameter,) = body["template"]["components"][0]["parameters"]
    assert "Di RT berapa? Mohon jelaskan." in parameter["text"] and "\n" not in parameter["text"]

    # Once the citizen writes again, free text is allowed again.
    say(f"CEK {report.tracking_id}")
    send_all(jakarta)
    assert meta.made("POST", f"/{NUMBER_ID}/messages")[-1].json()["type"] == "text"


def test_a_number_reaches_its_daily_limit(meta: ApiServer, jakarta: Pemda, settings: Any) -> None:
    settings.LAPOR_CHANNEL_REPORTS_PER_DAY = 2
    say("LAPOR Jembatan kayu di Kampung Pulo lapuk")
    say("YA")
    say("LAPOR Selokan di Jalan Kalibata mampet total")
    say("LAPOR Parkir liar memenuhi Jalan Tebet Raya")
    assert "Batas 2 laporan per hari" in replies(jakarta)[-1]
    with tenant_context(jakarta):
        assert Report.objects.count() == 2


def test_bad_signatures_and_malformed_payloads_are_refused_and_nothing_is_kept(
    meta: ApiServer, jakarta: Pemda, caplog: pytest.LogCaptureFixture
) -> None:
    good = change(messages=[text("LAPOR Jalan rusak parah di Cempaka Putih Barat")])
    with caplog.at_level(logging.WARNING, logger="channels"):
        assert post(good, secret="tebakan").status_code == 401
    assert "whatsapp webhook refused (401)" in caplog.text
    unsigned = Client(HTTP_HOST="jakarta.localhost").post("/channels/whatsapp/", data=good,
                                                          content_type="application/json")  # fmt: skip
    assert unsigned.status_code == 401
    assert post(None, raw=b"{not json").status_code == 400
    assert post(None, raw=b"[1, 2]").status_code == 400
    assert post({**good, "object": "page"}).status_code == 400
    assert post(change(messages=[{**text("LAPOR tanpa pengirim"), "from": None}])).status_code == 400
    assert post(change(messages=[{**text("LAPOR"), "type": "kartu-ajaib"}])).status_code == 400
    assert (
        post(None, raw=b'{"object": "whatsapp_business_account", "pad": "' + b"x" * 300_000 + b'"}').status_code == 400
    )
    assert post(change(messages=[text("LAPOR Jalan rusak")], number_id="999999")).status_code == 404
    # A long message is answered, not filed.
    say("LAPOR " + "jalan rusak " * 300)
    assert "terlalu panjang" in replies(jakarta)[-1]
    # A NUL character (which PostgreSQL stores nowhere) is dropped; the message is answered.
    say("Halo\x00 ini layanan apa?")
    assert replies(jakarta)[-1].startswith("LAPOR! Kirim:")
    with tenant_context(jakarta):
        assert not Report.objects.exists()
        assert list(InboundMessage.objects.order_by("pk").values_list("text", flat=True))[-1] == "Halo ini layanan apa?"


def test_the_hubs_whatsapp_number_asks_where_and_files_with_the_photo(
    meta: ApiServer, bekasi: Pemda, settings: Any
) -> None:
    settings.LAPOR_CHANNEL_CONFIRM_FIRST = set()
    hub_number = "100000000001708"
    post(change(messages=[media("image", "media-foto", "LAPOR Jembatan di Jalan Ahmad Yani retak")],
                number_id=hub_number), host="localhost")  # fmt: skip
    with schema_context("public"):
        assert OutboundMessage.objects.last().text.startswith("Di kota/kabupaten mana?")
    post(change(messages=[text("Kota Bekasi")], number_id=hub_number), host="localhost")
    with tenant_context(bekasi):
        report = Report.objects.get()
        assert report.channel == "whatsapp" and Attachment.objects.filter(report=report).count() == 1
    with schema_context("public"):
        assert report.tracking_id in OutboundMessage.objects.last().text  # IDs may hold $ or *: no regex
