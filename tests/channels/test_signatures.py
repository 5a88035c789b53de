"""The providers' signatures as their documentation defines them, computed here without the
platform's helpers (which the other channel tests use to sign their deliveries)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from channels.providers.twilio import twilio_signature
from channels.providers.whatsapp import whatsapp_signature
from channels.providers.x import x_signature

BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_twilio_signature_matches_twilios_documented_example() -> None:
    # Twilio's "Webhooks security" page: this URL, these POST parameters and auth token 12345.
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}  # fmt: skip
    assert twilio_signature("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == (
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_whatsapp_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    # Meta: X-Hub-Signature-256 is "sha256=" and the HMAC-SHA256 hex digest keyed with the app secret.
    expected = "sha256=" + hmac.new(b"rahasia-aplikasi", BODY, hashlib.sha256).hexdigest()
    assert whatsapp_signature(BODY, "rahasia-aplikasi") == expected


def test_x_signature_is_the_base64_hmac_sha256_of_the_raw_body() -> None:
    # X's Account Activity API: "sha256=" and the base64 HMAC-SHA256 keyed with the consumer secret
    # (the same computation answers the CRC challenge over the crc_token).
    digest = hmac.new(b"rahasia-konsumen", BODY, hashlib.sha256).digest()
    assert x_signature(BODY, "rahasia-konsumen") == "sha256=" + base64.b64encode(digest).decode()
