"""HTTP endpoints of the sync on the hub host: the signed inbox and its published schema.

The inbox authenticates by per-peer signature instead of a login; everything it refuses is
logged with the reason and the peer's name, and applies nothing.
"""

from __future__ import annotations

import json
import logging

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sync.envelope import EnvelopeError, envelope_parse, json_schema
from sync.handlers import SenderRefused
from sync.inbox import inbox_apply
from sync.signing import SignatureRefused, signature_verify

logger = logging.getLogger(__name__)


class InboxApi(APIView):
    """Receive one signed sync message from a peer (another deployment or a K/L's own system)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=None,
        responses={200: None, 400: None, 401: None, 403: None},
        description="Body: a message of schema lapor.sync/1. 401: unknown peer or bad signature; "
        "403: a signed message its sender may not send; 400: not a valid envelope.",
    )
    def post(self, request: Request) -> Response:
        raw = request.body
        try:
            verified = signature_verify(headers=dict(request.headers.items()), body=raw)
        except SignatureRefused as exc:
            logger.warning("sync inbox refused (%s) from %s: %s", exc.code, request.headers.get("X-Lapor-Peer"), exc)
            code = status.HTTP_401_UNAUTHORIZED if exc.code in ("unknown_peer", "bad_signature") else 403
            return Response({"detail": exc.message, "code": exc.code}, status=code)
        try:
            message = envelope_parse(json.loads(raw))
            outcome = inbox_apply(message=message, sender=verified.peer.code)
        except json.JSONDecodeError:
            logger.warning("sync inbox refused (malformed JSON) from %s", verified.peer.code)
            return Response({"detail": _("Isi pesan bukan JSON yang sah."), "code": "malformed"}, status=400)
        except EnvelopeError as exc:
            logger.warning("sync inbox refused (%s) from %s: %s", exc.code, verified.peer.code, exc.message)
            return Response({"detail": exc.message, "code": exc.code}, status=400)
        except SenderRefused as exc:  # logged by the inbox, with the peer's name
            return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_403_FORBIDDEN)
        return Response({"status": outcome})


class SchemaApi(APIView):
    """The published JSON Schema of sync messages."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        return Response(json_schema())
