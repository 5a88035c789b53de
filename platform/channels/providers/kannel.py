"""SMS through Kannel, the open-source gateway operators' SMSC links terminate on.

Inbound: Kannel's smsbox calls `/channels/kannel/sms/` with the sender, our number, the text and
Kannel's message id (an sms-service `get-url` with %p, %P, %a, %I; see deploy/kannel/), plus the
deployment's shared key. The answer body is empty (the service has `max-messages = 0`): replies
leave through Kannel's sendsms interface like every other message (channels.outbound), so they
are retried and their delivery is recorded. Delivery reports come back to `/channels/kannel/dlr/`.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tenants.utils import schema_context, tenant_context

from channels.doors import Inbound
from channels.identity import phone_normalise
from channels.outbound import SendError, outbound_delivered
from channels.providers.common import MAX_TEXT, Refused, refuse, secret_matches, tenant_for
from channels.services import inbound_receive
from tenants.models import Pemda

PROVIDER = "kannel"
# Kannel's delivery report types (%d): 1 delivered, 2 failed, 4 buffered, 8 accepted by the SMSC, 16 rejected.
DLR_DELIVERED, DLR_FAILED, DLR_REJECTED = 1, 2, 16


def _config() -> dict[str, str]:
    return dict(settings.LAPOR_KANNEL)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kannel_sms(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    if not secret_matches(params.get("key", ""), _config().get("secret", "")):
        return refuse(request, PROVIDER, 403, "bad key", _("Kunci gateway salah."))
    sender, to, message_id = params.get("from", ""), params.get("to", ""), params.get("id", "")
    text = params.get("text", "")
    if not sender or not to or not message_id:
        return refuse(request, PROVIDER, 400, "missing field", _("Pesan tanpa pengirim, tujuan atau nomor pesan."))
    if len(text) > MAX_TEXT or len(message_id) > 128:
        return refuse(request, PROVIDER, 400, "oversized", _("Pesan terlalu panjang."))
    to = phone_normalise(to)
    try:
        tenant = tenant_for(request, "sms", to)
    except Refused as exc:
        return refuse(request, PROVIDER, exc.status, "address not served here", str(exc))
    sent_at = params.get("time", "")
    received = datetime.fromtimestamp(int(sent_at), tz=UTC) if sent_at.isdigit() else timezone.now()
    message = Inbound(
        provider=PROVIDER,
        provider_message_id=message_id,
        address=to,
        sender=phone_normalise(sender),
        text=text,
        received_at=received,
        channel="sms",
        raw={k: params.get(k, "") for k in ("to", "id", "time", "smsc", "coding")},  # sender sealed, never raw
    )
    with tenant_context(tenant):
        outcome = inbound_receive(message)
    # Kannel sends nothing back for an empty body (max-messages = 0); the reply leaves via sendsms.
    return HttpResponse("", content_type="text/plain", status=200, headers={"X-Lapor-Outcome": outcome.outcome})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kannel_dlr(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    if not secret_matches(params.get("key", ""), _config().get("secret", "")):
        return refuse(request, PROVIDER, 403, "bad key", _("Kunci gateway salah."))
    schema, _sep, raw_id = params.get("ref", "").partition(":")
    kind = params.get("status", "")
    if not raw_id.isdigit() or not kind.isdigit():
        return refuse(request, PROVIDER, 400, "bad dlr", _("Laporan pengiriman tidak dapat dibaca."))
    if schema != "public" and not Pemda.objects.filter(schema_name=schema).exists():
        return refuse(request, PROVIDER, 404, "unknown schema", _("Pesan tidak dikenal."))
    status = int(kind)
    if status & (DLR_DELIVERED | DLR_FAILED | DLR_REJECTED):
        with schema_context(schema):
            outbound_delivered(
                outbound_id=int(raw_id), delivered=bool(status & DLR_DELIVERED), detail=params.get("answer", "")
            )
    return JsonResponse({"ok": True})


def kannel_send(*, address: str, recipient: str, text: str, reply_to: str, callback_id: str) -> list[str]:
    """One message through Kannel's sendsms (Kannel splits it into concatenated parts)."""
    config = _config()
    if not config.get("sendsms_url"):
        raise SendError("LAPOR_KANNEL_SENDSMS_URL is not set", permanent=True)
    query = {
        "username": config.get("username", ""),
        "password": config.get("password", ""),
        "from": address,
        "to": recipient,
        "text": text,
        "charset": "UTF-8",
        "coding": "0" if text.isascii() else "2",
    }
    if config.get("callback_base"):
        dlr = urllib.parse.urlencode({"key": config.get("secret", ""), "ref": callback_id})
        query["dlr-mask"] = str(DLR_DELIVERED | DLR_FAILED | DLR_REJECTED)
        query["dlr-url"] = f"{config['callback_base'].rstrip('/')}/channels/kannel/dlr/?{dlr}&status=%d&answer=%A"
    url = f"{config['sendsms_url']}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=float(config.get("timeout", 10))) as response:  # noqa: S310
            body = response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:200]
        # 4xx: Kannel refused this message (bad number, bad credentials): retrying will not help.
        raise SendError(f"kannel {exc.code}: {detail}", permanent=400 <= exc.code < 500 and exc.code != 429) from exc
    except OSError as exc:
        raise SendError(f"kannel unreachable: {exc}") from exc
    return [body.strip()[:120]]
