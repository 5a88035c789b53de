"""The channel tests: Jakarta's own SMS number, the national 1708 at the hub, Kannel's shared key."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.models import ChannelAddress, Pemda
from tests.complaints.conftest import api, cast, units  # noqa: F401 - fixtures

KEY = "kunci-gateway-uji"
JAKARTA_NUMBER = "+6281100000031"
CITIZEN = "081234567890"
OTHER_CITIZEN = "081298765432"


@pytest.fixture
def numbers(jakarta: Pemda, bekasi: Pemda, hub: Pemda, settings: Any) -> dict[str, str]:
    ChannelAddress.objects.create(kind="sms", address=JAKARTA_NUMBER, tenant=jakarta)
    settings.LAPOR_KANNEL = {**settings.LAPOR_KANNEL, "secret": KEY}
    settings.LAPOR_TWILIO = {**settings.LAPOR_TWILIO, "auth_token": "token-twilio-uji", "account_sid": "AC123"}
    return {"jakarta": JAKARTA_NUMBER, "hub": "1708"}
