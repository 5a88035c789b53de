"""Two middleware chains for one site: a citizen's API call skips what only pages use.

A citizen submitting or following a report through the API (web form, mobile app, SMS gateway)
has no account: those views authenticate nobody (`authentication_classes = []`), are exempt from
CSRF like every DRF view, and read no session and no flash message. The session, CSRF,
authentication, tenant-membership and messages middleware still ran on each of those calls,
about 60 µs of a report's intake (`make bench-intake`). The officers' API, the pages and the
admin need all of them.

Django builds one middleware chain per request handler and picks no chain by route, so the WSGI
application holds two handlers and chooses by path before any middleware runs: paths matching
`CITIZEN_API_PATH` go to the handler built from `settings.CITIZEN_API_MIDDLEWARE`, all others to
the full `settings.MIDDLEWARE`. tests/lapor/test_lanes.py checks that every route the pattern
takes is one of the citizen views, so a new route under those paths is reviewed before it
loses its session and CSRF middleware.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

H = TypeVar("H")

# The citizen's report API of complaints.urls (mounted at /api/v1/ on every Pemda host):
# categories, submission, similar reports, and following one's report by its tracking ID.
CITIZEN_API_PATH = re.compile(
    r"^/api/v1/(?:categories/|reports/(?:similar/|track/[^/]+/(?:replies/|rating/|reopen/)?)?)$"
)


def citizen_api_built(build: Callable[[], H]) -> H:
    """`build()` (a handler's constructor) with settings.CITIZEN_API_MIDDLEWARE as its chain.

    Django reads settings.MIDDLEWARE once, while a handler is built; it is swapped for that
    moment only, at start-up before any request is served.
    """
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = settings.CITIZEN_API_MIDDLEWARE
    try:
        return build()
    finally:
        settings.MIDDLEWARE = full


class Lanes(Generic[H]):
    """The two handlers one `build` makes (the full chain and the citizen's), and which serves a path."""

    def __init__(self, build: Callable[[], H]) -> None:
        self.full = build()
        self.citizen_api = citizen_api_built(build)

    def handler_for(self, path: str) -> H:
        return self.citizen_api if CITIZEN_API_PATH.match(path) else self.full


class LanedApplication(Lanes[WSGIHandler]):
    """The WSGI application: citizen API paths through the short chain, everything else through the full one."""

    def __init__(self) -> None:
        super().__init__(WSGIHandler)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.handler_for(environ.get("PATH_INFO", ""))(environ, start_response)
