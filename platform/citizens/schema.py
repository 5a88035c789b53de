"""The citizen token in the OpenAPI document (`Authorization: Token <token>`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CitizenTokenScheme(OpenApiAuthenticationExtension):
    target_class = "citizens.authentication.CitizenTokenAuthentication"
    name = "tokenWarga"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token akun warga dari POST /api/v1/citizen/token/, dikirim sebagai `Token <token>`.",
        }
