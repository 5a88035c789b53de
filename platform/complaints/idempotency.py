"""`Idempotency-Key` for every POST: a retry gets the first response; a reused key with another body gets 422.

Written here rather than taken from a package: the record must commit in the same transaction
as the service's change (so a crash between them cannot leave one without the other) and be
scoped to the tenant schema, which the generic DRF idempotency packages do not do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.models import IdempotencyRecord
from lapor import net

MAX_KEY_LENGTH = 128


def _request_hash(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data: Any = request.data
    files: Any = getattr(request, "FILES", None) or {}
    fields = {k: v for k, v in data.lists() if k not in files} if hasattr(data, "lists") else data
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def client_address(request: Request) -> str:
    """The caller's address, X-Forwarded-For believed only from trusted proxies (lapor.net)."""
    return net.client_address(request.META)


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            return Response({"detail": _("Idempotency-Key harus 1-128 karakter.")}, status=status.HTTP_400_BAD_REQUEST)
        user = getattr(request, "user", None)
        # Anonymous clients are told apart by address, so one citizen's key never replays another's
        # answer (it holds a reporter token).
        scope = f"user:{user.pk}" if user is not None and user.is_authenticated else f"anon:{client_address(request)}"
        fingerprint = _request_hash(request)
        with transaction.atomic():
            # A concurrent twin blocks on the unique index until the first commits, then replays it.
            record, created = IdempotencyRecord.objects.get_or_create(
                scope=scope, key=key, defaults={"request_hash": fingerprint}
            )
            if not created:
                if record.request_hash != fingerprint:
                    return Response(
                        {
                            "detail": _("Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda."),
                            "code": "idempotency_key_reused",
                        },
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                    )
                replay = Response(record.body, status=record.status_code or status.HTTP_200_OK)
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = method(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.body = response.data
                record.save(update_fields=["status_code", "body"])
            else:
                # Only successes are remembered: a corrected retry may reuse the key.
                transaction.set_rollback(True)
            return response

    wrapper.lapor_idempotent = True  # type: ignore[attr-defined]  # the schema documents the header (lapor.schema)
    return wrapper
