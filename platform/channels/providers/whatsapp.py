"""WhatsApp through Meta's Cloud API.

Webhook `/channels/whatsapp/`: Meta first verifies it with a GET (`hub.mode=subscribe`,
`hub.verify_token`, `hub.challenge`: the challenge is echoed when the token matches), then POSTs
each change signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with
the app secret>`. A change carries `entry[].changes[].value` with `metadata` (the business number
it reached: `phone_number_id`, `display_phone_number`), `contacts`, `messages[]` (`from`, `id`,
`timestamp`, `type` and the type's object: `text.body`, or `image|document|audio|video.id` with a
`caption`) and `statuses[]` (the delivery of messages the platform sent).

Texts take the same keywords as SMS (channels.keywords). Media become the report's attachments:
`GET {base}/{media-id}` gives a short-lived URL, fetched with the same bearer token and put
through the intake's own checks (complaints.attachments). Replies leave through
`POST {base}/{phone-number-id}/messages` (channels.outbound), so they are retried, and their
delivery comes back in `statuses[]`.

Meta lets a business send free text only within 24 hours of the citizen's last message (the
customer-service window). A report's news often comes later (a follow-up after days): then the
message goes out as the approved template `LAPOR_WHATSAPP_TEMPLATE` (registered by the Pemda in
WhatsApp Manager, category UTILITY, body with one parameter), the update as its parameter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tenants.utils import tenant_context

from channels.doors import Inbound
from channels.identity import phone_normalise, sender_hash
from channels.models import InboundMessage, OutboundMessage
from channels.outbound import SendError, outbound_delivered
from channels.providers.common import MAX_BODY, MediaError, Refused, refuse, secret_matches, tenant_for
from channels.services import inbound_receive
from complaints.attachments import CheckedFile, attachment_check
from tenants.models import ChannelAddress, Pemda

PROVIDER = "whatsapp"
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# Message types that carry nothing to act on (a reaction, a location, a contact card...): not taken.
SILENT_TYPES = ("reaction", "location", "contacts", "system", "unsupported", "order", "interactive", "request_welcome")
# Graph API errors worth retrying: rate and throughput limits, temporary trouble on Meta's side.
RETRY_CODES = {1, 2, 4, 17, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
MAX_MESSAGES = 100


def _config() -> dict[str, str]:
    return dict(settings.LAPOR_WHATSAPP)


def whatsapp_signature(body: bytes, app_secret: str) -> str:
    """What Meta puts in X-Hub-Signature-256 for a POST of `body`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class Malformed(Exception):
    pass


def _str(value: Any, name: str, *, limit: int = 128, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise Malformed(name)
    return value


def _dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(name)
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_MESSAGES:
        raise Malformed(name)
    return value


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify(request)
    if len(request.body) > MAX_BODY:
        return refuse(request, PROVIDER, 400, "oversized", _("Kiriman terlalu besar."))
    secret = _config().get("app_secret", "")
    given = request.headers.get("X-Hub-Signature-256", "")
    if not secret or not secret_matches(given, whatsapp_signature(request.body, secret)):
        return refuse(request, PROVIDER, 401, "bad signature", _("Tanda tangan WhatsApp salah."))
    try:
        payload = json.loads(request.body)
        work = _parse(request, payload)
    except (ValueError, Malformed) as exc:
        return refuse(request, PROVIDER, 400, f"malformed: {exc}", _("Kiriman WhatsApp tidak dapat dibaca."))
    except Refused as exc:
        return refuse(request, PROVIDER, exc.status, "number not served here", str(exc))
    # Everything was read before anything is written: a bad change refuses the whole delivery.
    for tenant, messages, statuses in work:
        with tenant_context(tenant):
            for message in messages:
                inbound_receive(message)
            for status in statuses:
                _status(status)
    return JsonResponse({"ok": True})


def _verify(request: HttpRequest) -> HttpResponse:
    """Meta's subscription handshake: echo hub.challenge when hub.verify_token is ours."""
    params = request.GET
    if params.get("hub.mode") != "subscribe" or not params.get("hub.challenge"):
        return refuse(request, PROVIDER, 400, "not a verification", _("Permintaan verifikasi tidak lengkap."))
    if not secret_matches(params.get("hub.verify_token", ""), _config().get("verify_token", "")):
        return refuse(request, PROVIDER, 403, "bad verify token", _("Token verifikasi salah."))
    return HttpResponse(params["hub.challenge"][:256], content_type="text/plain")


def _tenant(request: HttpRequest, metadata: dict[str, Any]) -> tuple[Pemda, str]:
    """The Pemda answering the business number (mapped by its phone number ID or its number)."""
    number_id = _str(metadata.get("phone_number_id"), "metadata.phone_number_id", limit=64)
    display = phone_normalise(_str(metadata.get("display_phone_number"), "metadata.display", required=False))
    by_id = ChannelAddress.objects.filter(kind=PROVIDER, address=number_id).exists()
    return tenant_for(request, PROVIDER, number_id if by_id or not display else display), number_id


def _parse(request: HttpRequest, payload: Any) -> list[tuple[Pemda, list[Inbound], list[dict[str, Any]]]]:
    payload = _dict(payload, "payload")
    if payload.get("object") != "whatsapp_business_account":
        raise Malformed("object")
    work = []
    for entry in _list(payload.get("entry"), "entry"):
        for change in _list(_dict(entry, "entry").get("changes"), "changes"):
            change = _dict(change, "change")
            if change.get("field") != "messages":
                continue
            value = _dict(change.get("value"), "value")
            tenant, number_id = _tenant(request, _dict(value.get("metadata"), "metadata"))
            messages = [
                m
                for raw in _list(value.get("messages"), "messages")
                if (m := _message(_dict(raw, "message"), number_id)) is not None
            ]
            statuses = [_dict(s, "status") for s in _list(value.get("statuses"), "statuses")]
            for status in statuses:
                _str(status.get("id"), "status.id")
                _str(status.get("status"), "status.status", limit=16)
            work.append((tenant, messages, statuses))
    return work


def _message(raw: dict[str, Any], number_id: str) -> Inbound | None:
    message_id = _str(raw.get("id"), "message.id")
    sender = phone_normalise(_str(raw.get("from"), "message.from", limit=32))
    kind = _str(raw.get("type"), "message.type", limit=32)
    stamp = _str(raw.get("timestamp"), "message.timestamp", limit=16, required=False)
    if not sender:
        raise Malformed("message.from")
    if kind in SILENT_TYPES:
        return None
    media: list[dict[str, Any]] = []
    if kind == "text":
        text = _str(_dict(raw.get("text"), "text").get("body"), "text.body", limit=4096, required=False)
    elif kind == "button":
        text = _str(_dict(raw.get("button"), "button").get("text"), "button.text", limit=256, required=False)
    elif kind in MEDIA_TYPES:
        item = _dict(raw.get(kind), kind)
        text = _str(item.get("caption"), "caption", limit=4096, required=False)
        media.append({
            "id": _str(item.get("id"), f"{kind}.id"),
            "type": kind,
            "mime_type": _str(item.get("mime_type"), "mime_type", required=False),
            "filename": _str(item.get("filename"), "filename", limit=255, required=False),
        })  # fmt: skip
    else:
        raise Malformed("message.type")
    return Inbound(
        provider=PROVIDER,
        provider_message_id=message_id,
        address=number_id,
        sender=sender,
        text=text,
        received_at=datetime.fromtimestamp(int(stamp), tz=UTC) if stamp.isdigit() else timezone.now(),
        channel="whatsapp",
        media=media,
        raw={k: raw[k] for k in ("id", "timestamp", "type") if k in raw},  # the sender is sealed, never raw
    )


def _status(status: dict[str, Any]) -> None:
    """A message the platform sent was delivered (or read), or failed for good."""
    state = status["status"]
    if state not in ("delivered", "read", "failed"):
        return
    sent = (
        OutboundMessage.objects.filter(provider=PROVIDER, provider_ids__contains=[status["id"]])
        .values_list("pk", flat=True)
        .first()
    )
    if sent is None:
        return
    raw_errors = status.get("errors")
    errors: list[Any] = raw_errors if isinstance(raw_errors, list) else []
    detail = "; ".join(f"{e.get('code', '')} {e.get('title', '')}".strip() for e in errors if isinstance(e, dict))
    outbound_delivered(outbound_id=sent, delivered=state != "failed", detail=detail)


def _request(url: str, *, data: bytes | None = None, timeout: float | None = None) -> urllib.request.Request:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")  # noqa: S310
    request.add_header("Authorization", f"Bearer {_config().get('token', '')}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    return request


def _timeout() -> float:
    return float(_config().get("timeout", 10) or 10)


def whatsapp_media_fetch(item: dict[str, Any]) -> CheckedFile:
    """One WhatsApp media as a checked attachment: its URL from the Graph API, then its bytes."""
    config = _config()
    if not config.get("token"):
        raise MediaError("LAPOR_WHATSAPP_TOKEN is not set")
    base = config.get("base_url", "").rstrip("/")
    limit = int(settings.LAPOR_MAX_ATTACHMENT_BYTES)
    name = str(item.get("filename") or f"whatsapp-{item.get('type', 'media')}")
    try:
        with urllib.request.urlopen(_request(f"{base}/{item['id']}"), timeout=_timeout()) as response:  # noqa: S310
            described = json.loads(response.read(64 * 1024) or b"{}")
        url = described.get("url") if isinstance(described, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MediaError(f"no url for media {item['id']}")
        size = described.get("file_size")
        if isinstance(size, int) and size > limit:
            raise ValidationError(
                _("Lampiran %(name)s terlalu besar (maksimal %(mb)s MB).") % {"name": name, "mb": limit // 2**20}
            )
        with urllib.request.urlopen(_request(url), timeout=_timeout()) as response:  # noqa: S310
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise MediaError(f"graph {exc.code} for media {item['id']}") from exc
    except (OSError, ValueError) as exc:
        raise MediaError(f"graph unreachable for media {item['id']}: {exc}") from exc
    return attachment_check(SimpleUploadedFile(name, data, content_type=str(item.get("mime_type", ""))))


WINDOW = timedelta(hours=24)
DEFAULT_TEMPLATE = "lapor_pembaruan"
_SPACES = re.compile(r"\s+")


def window_open(recipient: str) -> bool:
    """True when the citizen wrote to this Pemda's WhatsApp within the last 24 hours (as received here)."""
    last = (
        InboundMessage.objects.filter(provider="whatsapp", sender_hash=sender_hash(recipient))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is not None and timezone.now() - last < WINDOW


def template_message(config: dict[str, Any], text: str) -> dict[str, Any]:
    """The approved template with `text` as its one body parameter (Meta refuses a parameter with
    new lines, tabs or more than four spaces in a row, or longer than 1,024 characters)."""
    name = config.get("template", DEFAULT_TEMPLATE)
    if not name:
        raise SendError("outside the 24-hour window and LAPOR_WHATSAPP_TEMPLATE is empty", permanent=True)
    flat = _SPACES.sub(" ", text).strip()
    flat = flat if len(flat) <= 1024 else flat[:1021] + "..."
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": config.get("template_language") or "id"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": flat}]}],
        },
    }


def whatsapp_send(*, address: str, recipient: str, text: str, reply_to: str, callback_id: str) -> list[str]:
    """One text through POST /{phone-number-id}/messages; its wamid comes back for the delivery status."""
    config = _config()
    number_id = address or config.get("phone_number_id", "")
    if not config.get("token") or not number_id:
        raise SendError("LAPOR_WHATSAPP_TOKEN / LAPOR_WHATSAPP_PHONE_NUMBER_ID are not set", permanent=True)
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    body["to"] = recipient.lstrip("+")
    if window_open(recipient):
        body |= {"type": "text", "text": {"preview_url": False, "body": text[:4096]}}
        if reply_to.startswith("wamid."):
            body["context"] = {"message_id": reply_to}
    else:
        body |= template_message(config, text)
    url = f"{config.get('base_url', '').rstrip('/')}/{number_id}/messages"
    try:
        with urllib.request.urlopen(_request(url, data=json.dumps(body).encode()), timeout=_timeout()) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()[:2000]
        try:
            error = json.loads(raw).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        code = error.get("code") if isinstance(error, dict) else None
        detail = f"whatsapp {exc.code}: {code} {error.get('message', '') if isinstance(error, dict) else ''}"
        transient = exc.code == 429 or exc.code >= 500 or code in RETRY_CODES
        raise SendError(detail[:300], permanent=not transient) from exc
    except (OSError, ValueError) as exc:
        raise SendError(f"whatsapp unreachable: {exc}") from exc
    messages = answer.get("messages") if isinstance(answer, dict) else None
    return [str(m.get("id", "")) for m in messages or [] if isinstance(m, dict)]
