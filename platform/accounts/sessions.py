"""Staff sessions end by themselves: after an idle spell and after a fixed lifetime (OWASP ASVS 5.0, V7.3).

Every session login is a staff sign-in (citizens use app tokens), so each gets two timestamps when it
logs in (Django's user_logged_in signal): when it started and when it was last seen. A request that
comes after `LAPOR_STAFF_IDLE_MINUTES` without one, or `LAPOR_STAFF_SESSION_HOURS` after the
sign-in, finds the session logged out and is anonymous (a console page sends it to /masuk/).
"Last seen" is written at most once a minute, so a busy officer's requests do not each save the
session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

STARTED_KEY = "lapor_since"
SEEN_KEY = "lapor_seen"
SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="accounts.sessions.stamp")
def _stamp(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[STARTED_KEY] = now
        session[SEEN_KEY] = now


def session_expired(session: Any, now: float) -> bool:
    started = session.get(STARTED_KEY)
    if started is None:
        return False
    seen = float(session.get(SEEN_KEY, started))
    idle = settings.LAPOR_STAFF_IDLE_MINUTES * 60
    lifetime = settings.LAPOR_STAFF_SESSION_HOURS * 3600
    return now - seen > idle or now - float(started) > lifetime


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
            now = time.time()
            if session_expired(session, now):
                logout(request)  # flushes the session: its key is gone on every later request
                request.staff_session_ended = True  # type: ignore[attr-defined]
            elif (
                session.get(STARTED_KEY) is not None
                and now - float(session.get(SEEN_KEY, 0)) >= SEEN_RESOLUTION_SECONDS
            ):
                session[SEEN_KEY] = now
        return self.get_response(request)
