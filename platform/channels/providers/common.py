"""What every provider's webhook shares: which Pemda answers an address, secrets compared in
constant time, refusals logged, and bounds on what a payload may carry."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from lapor.localcache import local_get
from tenants.models import ChannelAddress, Pemda

logger = logging.getLogger("channels.webhooks")

MAX_TEXT = 1600  # ten concatenated SMS; a WhatsApp text may be longer, a report's text is not
MAX_BODY = 256 * 1024


class MediaError(Exception):
    """A provider's media could not be fetched (unreachable, refused, gone)."""


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def refuse(request: HttpRequest, provider: str, status: int, why: str, message: str) -> JsonResponse:
    logger.warning("%s webhook refused (%s) from %s: %s", provider, status, request.META.get("REMOTE_ADDR"), why)
    return JsonResponse({"detail": message}, status=status)


def secret_matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def tenant_for(request: HttpRequest, kind: str, address: str) -> Pemda:
    """The Pemda that answers `address`: on the hub's host any mapped address (unmapped ones are the
    hub's own, like the national 1708); on a Pemda's host only that Pemda's addresses."""
    here: Any = getattr(request, "tenant", None)
    # Read for every message and rarely changed: a few seconds in process memory, like the host map.
    mapped = local_get(
        f"channel-address:{kind}:{address}",
        lambda: ChannelAddress.objects.select_related("tenant").filter(kind=kind, address=address).first(),
    )
    if here is not None and here.is_hub:
        return mapped.tenant if mapped is not None else here
    if mapped is None or here is None or mapped.tenant_id != here.pk:
        raise Refused(404, _("Alamat %(a)s tidak dilayani di sini.") % {"a": address})
    return here
