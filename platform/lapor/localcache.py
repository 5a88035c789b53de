"""A few seconds of process-local memory in front of the shared cache, for values every request reads.

The shared cache (Redis in production, per-process memory locally) pickles on every get; the
host -> tenant map, a tenant's categories and its calendar are read on every intake, so each
process keeps them for LOCAL_TTL seconds (cachetools' TTLCache). An invalidation is immediate
in the process that makes it and reaches the others within LOCAL_TTL through the shared cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache

LOCAL_TTL = 5.0
T = TypeVar("T")

_memo: TTLCache[str, Any] = TTLCache(maxsize=8192, ttl=LOCAL_TTL)
_lock = threading.Lock()
_MISSING = object()


def local_get(key: str, loader: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """The memoized value, else `loader()` (remembered unless `keep` says otherwise)."""
    with _lock:
        value = _memo.get(key, _MISSING)
    if value is _MISSING:
        value = loader()
        if keep is None or keep(value):
            with _lock:
                _memo[key] = value
    return value  # type: ignore[no-any-return]


def local_forget(key: str) -> None:
    with _lock:
        _memo.pop(key, None)


def local_clear() -> None:
    with _lock:
        _memo.clear()
