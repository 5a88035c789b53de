"""Two transports behind one interface: `transport_send(message)` raises when it was not delivered.

Same database: the recipient is a party of this deployment; the message is applied right here,
inside the caller's transaction (the one holding the outbox row), so delivery and receipt commit
together. HTTP: the recipient is a Peer; the message is POSTed, signed, to its inbox URL and
counts as delivered on a 2xx answer (the peer's inbox makes a repeat harmless).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from sync.envelope import SCHEMA_VERSION
from sync.inbox import inbox_apply
from sync.models import OutboxMessage, Peer
from sync.signing import sign_headers, signing_key


class DeliveryFailed(Exception):
    pass


def envelope_of(message: OutboxMessage) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "id": str(message.id),
        "kind": message.kind,
        "to": message.to_party,
        "referral": message.referral_key,
        "version": message.version,
        "sent_at": message.created_at.isoformat(),
        "body": message.body,
        # Optional in schema version 1: where the message began, for the receiver's logs.
        **({"request_id": message.request_id} if message.request_id else {}),
    }


def transport_send(message: OutboxMessage) -> str:
    peer = Peer.objects.filter(code=message.recipient, is_active=True).first()
    if peer is None:
        return inbox_apply(message=envelope_of(message), sender=message.sender)
    return _http_send(peer, message)


def _http_send(peer: Peer, message: OutboxMessage) -> str:
    if not peer.inbox_url:
        raise DeliveryFailed(f"peer {peer.code} has no inbox URL")
    body = json.dumps(envelope_of(message), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        # The receiving deployment's request middleware logs under the message's request id.
        **({"X-Request-ID": message.request_id} if message.request_id else {}),
        **sign_headers(self_code=settings.LAPOR_SYNC_NAME, key=signing_key(peer), body=body),
    }
    request = urllib.request.Request(peer.inbox_url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        # The URL is a Peer's inbox, set by the hub operator (http/https only, by URLField).
        with urllib.request.urlopen(request, timeout=settings.LAPOR_SYNC_HTTP_TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
            return str(answer.get("status", "delivered"))
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode(errors="replace")
        raise DeliveryFailed(f"HTTP {exc.code} from {peer.code}: {detail}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__} talking to {peer.code}: {exc}") from exc
