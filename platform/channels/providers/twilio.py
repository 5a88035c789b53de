"""SMS through Twilio's Programmable Messaging, for a Pemda without an SMSC link of its own.

Inbound: Twilio POSTs the message to `/channels/twilio/sms/` signed with `X-Twilio-Signature`:
base64 of HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio requested
followed by every POST parameter's name and value, sorted by name (Twilio's "Webhooks security").
The answer is an empty TwiML document; the reply leaves through the REST API like every other
message (channels.outbound), whose status callbacks come back signed the same way. A picture
(MMS) is fetched from the media URL Twilio gives, with the account's credentials, which are
sent to Twilio's own API host only and never along the redirect to the file's storage.
Written here rather than with Twilio's SDK: the check is a dozen lines, the SDK a large dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context, tenant_context

from channels.doors import Inbound
from channels.identity import phone_normalise
from channels.outbound import SendError, outbound_delivered
from channels.providers.common import MAX_TEXT, MediaError, Refused, refuse, tenant_for
from channels.services import inbound_receive
from complaints.attachments import CheckedFile, attachment_check
from tenants.models import Pemda

PROVIDER = "twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _config() -> dict[str, str]:
    return dict(settings.LAPOR_TWILIO)


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    """What Twilio puts in X-Twilio-Signature for a POST of `params` to `url`."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _signed(request: HttpRequest) -> bool:
    token = _config().get("auth_token", "")
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    params = {name: request.POST.get(name, "") for name in request.POST}
    expected = twilio_signature(request.build_absolute_uri(), params, token)
    return hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    if len(request.body) > 64 * 1024:
        return refuse(request, PROVIDER, 400, "oversized", _("Pesan terlalu besar."))
    if not _signed(request):
        return refuse(request, PROVIDER, 403, "bad signature", _("Tanda tangan Twilio salah."))
    post = request.POST
    sid, sender, to, body = post.get("MessageSid", ""), post.get("From", ""), post.get("To", ""), post.get("Body", "")
    if not sid or not sender or not to:
        return refuse(request, PROVIDER, 400, "missing field", _("Pesan tanpa pengirim, tujuan atau nomor pesan."))
    if len(body) > MAX_TEXT:
        return refuse(request, PROVIDER, 400, "oversized", _("Pesan terlalu panjang."))
    try:
        tenant = tenant_for(request, "sms", phone_normalise(to))
    except Refused as exc:
        return refuse(request, PROVIDER, exc.status, "address not served here", str(exc))
    media = [
        {"url": post.get(f"MediaUrl{i}", ""), "type": post.get(f"MediaContentType{i}", "")}
        for i in range(min(int(post.get("NumMedia", "0") or 0) if post.get("NumMedia", "0").isdigit() else 0, 10))
    ]
    message = Inbound(
        provider=PROVIDER,
        provider_message_id=sid,
        address=phone_normalise(to),
        sender=phone_normalise(sender),
        text=body,
        received_at=timezone.now(),
        channel="sms",
        media=media,
        raw={k: post.get(k, "") for k in ("MessageSid", "AccountSid", "To", "NumSegments", "NumMedia")},  # no From
    )
    with tenant_context(tenant):
        inbound_receive(message)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback of a message the platform sent (`ref` = schema:outbound id)."""
    if not _signed(request):
        return refuse(request, PROVIDER, 403, "bad signature", _("Tanda tangan Twilio salah."))
    schema, _sep, raw_id = request.GET.get("ref", "").partition(":")
    if not raw_id.isdigit() or (schema != "public" and not Pemda.objects.filter(schema_name=schema).exists()):
        return refuse(request, PROVIDER, 400, "bad ref", _("Pesan tidak dikenal."))
    status = request.POST.get("MessageStatus", "")
    if status in ("delivered", "undelivered", "failed"):
        with schema_context(schema):
            outbound_delivered(
                outbound_id=int(raw_id), delivered=status == "delivered", detail=request.POST.get("ErrorCode", "")
            )
    return JsonResponse({"ok": True})


def twilio_media_fetch(item: dict[str, Any]) -> CheckedFile:
    """One picture of an MMS as a checked attachment (complaints.attachments)."""
    config = _config()
    sid, token = config.get("account_sid", ""), config.get("auth_token", "")
    base = config.get("api_base", "https://api.twilio.com").rstrip("/")
    url = str(item.get("url", ""))
    if not url.startswith(f"{base}/"):
        # The URL came in the signed webhook, but the credentials go to Twilio's host alone.
        raise MediaError(f"media url not on {base}: {url[:100]}")
    limit = int(settings.LAPOR_MAX_ATTACHMENT_BYTES)
    name = f"twilio-{url.rstrip('/').rsplit('/', 1)[-1][:40]}"
    request = urllib.request.Request(url)  # noqa: S310 - Twilio's API host, checked above
    if sid and token:
        # Not kept on the redirect to the storage's signed URL (which refuses a second credential).
        basic = base64.b64encode(f"{sid}:{token}".encode()).decode()
        request.add_unredirected_header("Authorization", f"Basic {basic}")
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("timeout", 10))) as response:  # noqa: S310
            data = response.read(limit + 1)
            content_type = response.headers.get_content_type() or str(item.get("type", ""))
    except urllib.error.HTTPError as exc:
        raise MediaError(f"twilio {exc.code} for media {name}") from exc
    except (OSError, ValueError) as exc:
        raise MediaError(f"twilio unreachable for media {name}: {exc}") from exc
    return attachment_check(SimpleUploadedFile(name, data, content_type=content_type))


def twilio_send(*, address: str, recipient: str, text: str, reply_to: str, callback_id: str) -> list[str]:
    config = _config()
    sid, token = config.get("account_sid", ""), config.get("auth_token", "")
    if not sid or not token:
        raise SendError("LAPOR_TWILIO_ACCOUNT_SID / LAPOR_TWILIO_AUTH_TOKEN are not set", permanent=True)
    form: dict[str, Any] = {"To": recipient, "From": address, "Body": text}
    if config.get("callback_base"):
        ref = urllib.parse.urlencode({"ref": callback_id})
        form["StatusCallback"] = f"{config['callback_base'].rstrip('/')}/channels/twilio/status/?{ref}"
    url = f"{config.get('api_base', 'https://api.twilio.com').rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")  # noqa: S310
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("timeout", 10))) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:200]
        raise SendError(f"twilio {exc.code}: {detail}", permanent=400 <= exc.code < 500 and exc.code != 429) from exc
    except (OSError, ValueError) as exc:
        raise SendError(f"twilio unreachable: {exc}") from exc
    return [str(answer.get("sid", ""))]
