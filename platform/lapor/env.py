"""Typed readers for environment variables.

Every reader fails with ImproperlyConfigured naming the variable when its value is malformed,
so a bad deployment stops at start-up instead of misbehaving later.

Every variable may instead be given as a file: `NAME_FILE=/run/secrets/name` reads the value
from that file (one trailing newline dropped), the way container secrets and systemd's
credentials are mounted. Setting both `NAME` and `NAME_FILE` is refused as ambiguous.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    """The variable's value, from NAME or from the file NAME_FILE names; None when neither is set."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if path is None or path.strip() == "":
        return value
    if value is not None:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    try:
        with open(path.strip(), encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read: {exc.strerror}") from None
    return text.removesuffix("\n").removesuffix("\r")


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = _raw(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be <= {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    """Return a URL from the environment, checking its scheme and that it names a host or path."""
    raw = _raw(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid URL ({exc}): {_redact(value)}") from None
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(s + '://' for s in schemes)}, got {_redact(value)}"
        )
    if not (parts.hostname or parts.path.strip("/")):
        raise ImproperlyConfigured(f"{name} names no host: {_redact(value)}")
    return value


def _redact(url: str) -> str:
    """Hide a password in a URL (or a `;`-separated list of them) so error messages never print credentials."""
    if ";" in url:
        return ";".join(_redact(part) for part in url.split(";"))
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable>"
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


redact_url = _redact
