"""Errors every app's services raise; lapor.api maps them to one HTTP answer each (409, 403, 429).

They live in the project package, not in one app, so the report services, the hub and the
channels raise the same errors and no app imports another just to signal a wrong state.
"""

from __future__ import annotations


class InvalidTransition(Exception):
    """The action is not allowed in the object's current state (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(Exception):
    """The caller's membership does not allow this action on this object (HTTP 403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(Exception):
    """Too many attempts from this caller or at this target for now (HTTP 429, with Retry-After)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = max(int(retry_after), 1)
