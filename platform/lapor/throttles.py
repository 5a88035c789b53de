"""Rate limits on anonymous intake: per client address and per reporter phone number.

DRF's throttling (SimpleRateThrottle over the Django cache, Redis in production) does the
counting; these classes only say who is counted: the client address as `lapor.net` believes it
(trusted proxies only) and a keyed hash of the normalised phone number (no number in the cache).
The same throttles guard the API, the portal's form and the hub's form (`intake_wait`).
Rates come from LAPOR_INTAKE_RATE_PER_ADDRESS / LAPOR_INTAKE_RATE_PER_PHONE ("off" disables).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from lapor.net import client_address


class IntakeAddressThrottle(SimpleRateThrottle):
    scope = "intake_address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request.META)}


def _phone_digits(value: object) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits


class IntakePhoneThrottle(SimpleRateThrottle):
    scope = "intake_phone"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        data = getattr(request, "data", None)
        if data is None:
            data = request.POST
        phone = _phone_digits(data.get("reporter_phone") if hasattr(data, "get") else None)
        if len(phone) < 6:
            return None  # no phone, no phone limit (the address limit still counts)
        digest = hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


INTAKE_THROTTLES = (IntakeAddressThrottle, IntakePhoneThrottle)


def intake_wait(request: Any) -> int | None:
    """For views outside DRF: None when this filing may go ahead, else the seconds to wait."""
    waits = []
    for throttle_class in INTAKE_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]  # unused by these
            waits.append(throttle.wait() or 1)
    return math.ceil(max(waits)) if waits else None
