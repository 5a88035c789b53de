"""Structured logs: one JSON object a line, each carrying the Pemda and the request id.

Every process (gunicorn, Celery worker and beat, the sync sweeper, manage.py) logs through the
standard library's `logging`, configured from settings.LOGGING; its formatter is structlog's
`ProcessorFormatter`, which renders each record as JSON (`LAPOR_LOG_FORMAT=json`, the default
when `LAPOR_LOCAL=0`) or as aligned text for a person at a terminal (`LAPOR_LOG_FORMAT=console`,
the default of `make run`).

Two fields are added to every line:

- `pemda`: the schema the process's database connection is set to when the line is written
  (`public` is the hub; `pemda_31` DKI Jakarta). Read at log time from django-tenants'
  connection, so it is right in a request, in a task (tenant-schemas-celery switches the schema
  before the task runs) and in the sync inbox (which applies a message in the receiver's schema).
- `request_id`: where the work began. The web middleware takes it from the `X-Request-ID` header
  (nginx's `$request_id`) or makes one, and answers with it; a task queued while it is bound
  carries it in a message header (`lapor_request_id`) and the worker binds it for the task's
  run; a sync message written while it is bound keeps it in its outbox row and envelope, and the
  receiving inbox binds it while it applies the message, on this deployment or another.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "lapor_request_id"
# A client's X-Request-ID is kept if it looks like an id (nginx's $request_id is 32 hex digits).
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


# The id of the work this thread is doing (a plain ContextVar: setting it costs a tenth of a
# microsecond on every request, where structlog's bind_contextvars costs several).
REQUEST_ID: ContextVar[str] = ContextVar("lapor_request_id", default="")


class _Ids:
    """New ids: a random prefix per process (drawn again after a fork) and a counter.

    Unique across the deployment's processes without a random draw per request (uuid4 costs
    5-10 µs on the 2-core machine, this well under one).
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = secrets.token_hex(6)
        self.counter = itertools.count(1)

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter):x}"


_ids = _Ids()


def new_request_id() -> str:
    return _ids.new()


def request_id_from(value: Any) -> str:
    """The id a caller sent, if it is one; else a new one."""
    if value and isinstance(value, str) and _VALID_ID.fullmatch(value):
        return value
    return _ids.new()


def current_request_id() -> str:
    return REQUEST_ID.get()


@contextmanager
def request_bound(request_id: str) -> Iterator[None]:
    """Log (and queue tasks, and write sync messages) under `request_id` inside the block."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def bind_task(request_id: str, **extra: Any) -> None:
    """A worker starts a task: its id, and the task's own fields, on every line until `unbind`."""
    REQUEST_ID.set(request_id)
    clear_contextvars()
    bind_contextvars(**extra)


def unbind() -> None:
    REQUEST_ID.set("")
    clear_contextvars()


def _add_request_id(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    request_id = REQUEST_ID.get()
    if request_id:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def _add_pemda(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    if "pemda" not in event_dict:
        try:
            from django.db import connection

            event_dict["pemda"] = getattr(connection, "schema_name", None) or "-"
        except Exception:  # logging before Django is set up, or outside it
            event_dict["pemda"] = "-"
    return event_dict


def _pre_chain() -> list[Any]:
    return [
        merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_pemda,
    ]


def formatter(fmt: str = "json") -> logging.Formatter:
    """The formatter settings.LOGGING names (a `()` factory): JSON lines, or text for a terminal."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer(sort_keys=False, ensure_ascii=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure_structlog() -> None:
    """structlog's own loggers (structlog.get_logger()) go through the same stdlib handlers."""
    structlog.configure(
        processors=[*_pre_chain(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
