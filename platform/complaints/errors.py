"""Errors the report services raise; the API maps them to 409/403 with the reason."""

from __future__ import annotations


class InvalidTransition(Exception):
    """The action is not allowed in the report's current state (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(Exception):
    """The caller's membership does not allow this action on this report (HTTP 403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
