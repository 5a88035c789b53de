"""The app's token: knox's (django-rest-knox), accepted only for citizen accounts.

knox keeps a SHA-512 digest of each token (never the token), with an expiry that use extends
(`REST_KNOX` in settings) and a row per device, so signing out of one phone revokes that token
only. The token is looked up in the public schema, so it works on every Pemda's host and the
hub's. A staff user holds no such token; should one ever be made, it is refused here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class CitizenTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)  # type: ignore[no-any-return]
        except (exceptions.AuthenticationFailed, UnicodeDecodeError):
            # knox's own messages are English only; one Indonesian answer for every bad token.
            raise exceptions.AuthenticationFailed(
                _("Token tidak berlaku: salah, kedaluwarsa, atau sudah dicabut. Silakan masuk kembali.")
            ) from None

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        if not hasattr(user, "citizen"):
            raise exceptions.AuthenticationFailed(_("Token ini bukan token akun warga."))
        return user, token
