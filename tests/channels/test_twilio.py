"""Twilio's door end to end, against a real HTTP server playing Twilio's REST API: a picture
message (MMS) becomes the report's attachment (fetched with the account's credentials, which do
not follow the redirect to the file's storage), the reply leaves through `Messages.json`, and the
signed status callback records its delivery."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from itertools import count
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context
from PIL import Image

from channels.models import OutboundMessage, OutboundStatus
from channels.outbound import outbound_send
from channels.providers.twilio import twilio_signature
from complaints.models import Attachment, Report
from tenants.models import Pemda
from tests.channels.apiserver import ApiServer, Call, as_json, running_api
from tests.channels.conftest import JAKARTA_NUMBER

pytestmark = pytest.mark.django_db
SID, TOKEN = "AC123", "token-twilio-uji"
CITIZEN = "+6281234567890"
BASIC = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
_ids = count(1)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, format="JPEG")
    return out.getvalue()


PHOTO = _photo()


def twilio_api(call: Call) -> tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]:
    """Twilio's REST API as far as the platform uses it; a media URL redirects to its storage."""
    media = f"/2010-04-01/Accounts/{SID}/Messages/MM1/Media/"
    if call.path.startswith("/storage/"):
        return 200, "image/jpeg", PHOTO
    if call.headers.get("Authorization") != BASIC:
        return as_json(401, {"code": 20003, "message": "Authenticate", "status": 401})
    if call.method == "GET" and call.path.startswith(media):
        return 307, "text/plain", b"", {"Location": f"/storage/{call.path.rsplit('/', 1)[1]}?X-Amz-Signature=abc"}
    if call.method == "POST" and call.path == f"/2010-04-01/Accounts/{SID}/Messages.json":
        return as_json(201, {"sid": f"SMkeluar{next(_ids)}", "status": "queued"})
    return as_json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})


@pytest.fixture
def twilio(numbers: Any, settings: Any) -> Iterator[ApiServer]:
    with running_api(twilio_api) as api:
        settings.LAPOR_TWILIO = {**settings.LAPOR_TWILIO, "account_sid": SID, "auth_token": TOKEN,
                                 "api_base": api.base_url, "callback_base": "https://lapor.example.go.id"}  # fmt: skip
        yield api


def webhook(path: str, params: dict[str, str], *, host: str = "jakarta.localhost", query: str = "") -> Any:
    url = f"http://{host}{path}{query}"
    signature = twilio_signature(url, params, TOKEN)
    return Client(HTTP_HOST=host).post(f"{path}{query}", params, HTTP_X_TWILIO_SIGNATURE=signature)


def sms(body: str, *, media: list[str] = (), sid: str | None = None) -> Any:  # type: ignore[assignment]
    params = {"MessageSid": sid or f"MM{next(_ids)}", "AccountSid": SID, "From": CITIZEN, "To": JAKARTA_NUMBER,
              "Body": body, "NumMedia": str(len(media))}  # fmt: skip
    for i, url in enumerate(media):
        params[f"MediaUrl{i}"], params[f"MediaContentType{i}"] = url, "image/jpeg"
    answer = webhook("/channels/twilio/sms/", params)
    assert answer.status_code == 200, answer.content
    return answer


def test_a_picture_message_becomes_the_reports_attachment_and_the_reply_leaves_through_twilio(
    twilio: ApiServer, jakarta: Pemda
) -> None:
    picture = f"{twilio.base_url}/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME1"
    sms("LAPOR Pohon tumbang menutup Jalan Cikini Raya", media=[picture])
    with tenant_context(jakarta):
        report = Report.objects.get()
        (attachment,) = Attachment.objects.filter(report=report)
        assert attachment.content_type == "image/jpeg"
    fetched = [c for c in twilio.calls if c.method == "GET"]
    assert [c.path for c in fetched] == ["/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1", "/storage/ME1"]
    # The account's credentials went to Twilio, not to the storage the file was redirected to.
    assert fetched[0].headers.get("Authorization") == BASIC and "Authorization" not in fetched[1].headers

    with tenant_context(jakarta):
        (reply,) = OutboundMessage.objects.filter(provider="twilio")
        assert outbound_send(outbound_id=reply.pk) == "sent"
        reply.refresh_from_db()
        assert reply.status == OutboundStatus.SENT
    (sent,) = twilio.made("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    form = {k: v[0] for k, v in parse_qs(sent.body.decode()).items()}
    assert (form["From"], form["To"]) == (JAKARTA_NUMBER, CITIZEN) and report.tracking_id in form["Body"]
    assert sent.headers["Authorization"] == BASIC
    callback = form["StatusCallback"]
    assert callback.startswith("https://lapor.example.go.id/channels/twilio/status/?ref=")

    # Twilio's status callback, signed over the URL it was given: the delivery is recorded.
    query = callback.split("/channels/twilio/status/", 1)[1]
    status = {"MessageSid": "SMkeluar1", "MessageStatus": "delivered", "AccountSid": SID}
    forged = Client(HTTP_HOST="localhost").post(f"/channels/twilio/status/{query}", status,
                                                HTTP_X_TWILIO_SIGNATURE="salah")  # fmt: skip
    assert forged.status_code == 403
    assert webhook("/channels/twilio/status/", status, host="localhost", query=query).status_code == 200
    with tenant_context(jakarta):
        reply.refresh_from_db()
        assert reply.status == OutboundStatus.DELIVERED and reply.delivered_at is not None


def test_a_picture_before_the_words_goes_with_the_report_and_a_foreign_media_url_is_not_fetched(
    twilio: ApiServer, jakarta: Pemda
) -> None:
    picture = f"{twilio.base_url}/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME7"
    sms("", media=[picture])
    sms("LAPOR Lampu lalu lintas di Jalan Salemba mati")
    sms("LAPOR Got mampet di Jalan Kramat Raya sejak kemarin", media=["https://elsewhere.example.net/ME9"])
    with tenant_context(jakarta):
        first = Report.objects.get(text="Lampu lalu lintas di Jalan Salemba mati")
        second = Report.objects.get(text="Got mampet di Jalan Kramat Raya sejak kemarin")
        assert Attachment.objects.filter(report=first).count() == 1
        assert not Attachment.objects.filter(report=second).exists()
    with schema_context(jakarta.schema_name):
        texts = list(OutboundMessage.objects.order_by("pk").values_list("text", flat=True))
    assert "Lampiran diterima" in texts[0]
    assert second.tracking_id in texts[-1] and "Lampiran tidak dapat diambil" in texts[-1]
    assert not any("elsewhere" in c.path for c in twilio.calls)
    assert json.dumps([c.path for c in twilio.calls]).count("/storage/") == 1
