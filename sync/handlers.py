"""The table from message kind to the handler its owner registers: sync carries, owners decide.

`LAPOR_SYNC_HANDLERS` maps where a message arrives ("hub": the public schema; "pemda": a Pemda
of this deployment) and its kind to a dotted path, resolved on first use (the habit of
healthchecks' TRANSPORTS): sync never imports the hub or the report apps, and a new kind needs a
line in settings and a handler, no change here.

A handler is an object with
- `authorize(message=, sender=)`: raise `SenderRefused` when `sender` may not send this message
  (read-only; the inbox calls it before `apply`, inside the transaction that would apply it);
- `apply(message=, sender=) -> str`: apply one message, return its outcome;
- optionally `apply_many(received) -> {message id: outcome}`: the same for a batch of one
  receiver, set-wise (sync.batch), authorizing every message before writing anything;
- `body`: one line on what the message's body holds (published in the JSON Schema).
The inbox runs both in the receiving party's schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

# Where a message arrives: the hub of this deployment, or one of its Pemda.
AT_HUB = "hub"
AT_PEMDA = "pemda"


class SenderRefused(Exception):
    """The sender may not send this message (outside its scope); nothing of it is applied."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(f"{code}: {message}")  # as a dead letter's error, the code first
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Received:
    """One parsed message (lapor.sync/1 envelope) and the party that sent it."""

    message: dict[str, Any]
    sender: str

    @property
    def id(self) -> str:
        return str(self.message["id"])


class Handler(Protocol):
    body: str

    def authorize(self, *, message: dict[str, Any], sender: str) -> None: ...

    def apply(self, *, message: dict[str, Any], sender: str) -> str: ...


class UnknownKind(LookupError):
    """No handler is registered for this kind where the message arrived."""


@cache
def _table() -> dict[str, dict[str, Any]]:
    return {place: {kind: import_string(path) for kind, path in kinds.items()} for place, kinds in _config().items()}


def _config() -> dict[str, dict[str, str]]:
    return dict(settings.LAPOR_SYNC_HANDLERS)


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: object) -> None:
    if setting == "LAPOR_SYNC_HANDLERS":
        _table.cache_clear()


def handler_for(place: str, kind: str) -> Handler:
    found = _table().get(place, {}).get(kind)
    if found is None:
        raise UnknownKind(kind)
    return found  # type: ignore[no-any-return]


def batch_capable(place: str, kind: str) -> bool:
    """Whether the handler of `kind` at `place` applies batches set-wise (has `apply_many`)."""
    try:
        return hasattr(handler_for(place, kind), "apply_many")
    except UnknownKind:
        return False


def known_kinds() -> list[str]:
    """Every kind some party of this deployment accepts, in a stable order."""
    return sorted({kind for kinds in _config().values() for kind in kinds})


def kind_docs() -> dict[str, str]:
    """What each kind's body holds, per the handlers that accept it."""
    docs: dict[str, list[str]] = {}
    for place, kinds in _table().items():
        for kind, handler in kinds.items():
            docs.setdefault(kind, []).append(f"at {place}: {handler.body}")
    return {kind: " ".join(lines) for kind, lines in sorted(docs.items())}
