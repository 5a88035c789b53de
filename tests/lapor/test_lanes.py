"""Citizen API calls take the short middleware chain (lapor.lanes); pages and officers keep the full one.

The test client routes as lapor.wsgi does (tests/conftest.py), so the whole suite exercises the
citizen views through their short chain; these tests pin down which routes take it and what
each chain still does.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from rest_framework.authentication import SessionAuthentication

from accounts.models import Membership, Role
from complaints import apis
from lapor.lanes import CITIZEN_API_PATH
from tenants.models import Pemda
from tests.two_factor import otp_code

CITIZEN_VIEWS = {
    apis.CategoryListApi,
    apis.ReportSubmitApi,
    apis.SimilarReportsApi,
    apis.ReportTrackApi,
    apis.ReporterReplyApi,
    apis.ReporterRateApi,
    apis.ReporterReopenApi,
}
_SAMPLE = {
    "int": "7",
    "str": "ABCD-EFGH1",
    "slug": "contoh",
    "path": "a/b",
    "uuid": "12345678-1234-5678-1234-567812345678",
}
REPORT = {
    "type": "pengaduan",
    "category": "jalan",
    "title": "Jalan berlubang di Jalan Sudirman",
    "text": "Lubang besar di lajur kiri, sudah dua motor jatuh minggu ini.",
    "privacy": "public",
}


def _sample_paths(patterns: list[Any], prefix: str = "/") -> Iterator[str]:
    """One concrete path for every route (converters filled with sample values)."""
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            # Regex routes (the admin's) live outside the API; the citizen paths never reach them.
            assert not prefix.startswith("/api/"), f"regex route under {prefix}"
            continue
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLE[m.group(1) or "str"], str(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from _sample_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


@pytest.mark.parametrize("urlconf", ["lapor.urls_tenant", "lapor.urls_public"])
def test_the_short_chain_serves_only_the_citizen_views(urlconf: str) -> None:
    reached = set()
    for path in _sample_paths(get_resolver(urlconf).url_patterns):
        if CITIZEN_API_PATH.match(path):
            view = getattr(resolve(path, urlconf).func, "view_class", None)
            assert view in CITIZEN_VIEWS, f"{path} ({view}) would lose its session and CSRF middleware"
            reached.add(view)
    if urlconf == "lapor.urls_tenant":
        assert reached == CITIZEN_VIEWS
    else:
        assert reached == set()  # the hub takes no citizen reports
    for view in CITIZEN_VIEWS:
        assert view.authentication_classes == []
        # Intake also knows the mobile app's citizen token (complaints.filers): a header, never a cookie.
        for authenticator in view().get_authenticators():
            assert not isinstance(authenticator, SessionAuthentication), view


@pytest.mark.parametrize(
    "path",
    ["/api/v1/units/", "/api/v1/auth/login/", "/api/v1/me/", "/api/v1/officer/reports/", "/admin/login/", "/"],
)
def test_officer_and_page_paths_keep_the_full_chain(path: str) -> None:
    assert not CITIZEN_API_PATH.match(path)


def _call(
    application: Any, method: str, path: str, host: str, body: bytes = b"", **headers: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """A request straight into a WSGI application, as gunicorn makes it."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }
    got: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        got["status"], got["headers"] = status, response_headers

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        content = b"".join(result)
        result.close()  # type: ignore[attr-defined]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return got["status"], got["headers"], content


def test_the_wsgi_application_routes_citizen_calls_through_the_short_chain(jakarta: Pemda, hub: Pemda) -> None:
    from lapor.wsgi import application

    assert application.handler_for("/api/v1/reports/") is application.citizen_api
    assert application.handler_for("/api/v1/reports/track/ABCD-EFGH1/replies/") is application.citizen_api
    assert application.handler_for("/api/v1/officer/reports/") is application.full
    assert isinstance(application.full, WSGIHandler)

    status, headers, content = _call(
        application, "POST", "/api/v1/reports/", "jakarta.localhost", json.dumps(REPORT).encode()
    )
    assert status.startswith("201"), content
    names = {name for name, _ in headers}
    assert "Set-Cookie" not in names  # no session, no CSRF cookie
    assert dict(headers)["X-Frame-Options"] == "DENY"
    assert dict(headers)["X-Content-Type-Options"] == "nosniff"
    assert dict(headers)["Content-Language"] == "id"
    assert json.loads(content)["status"] == "submitted"

    status, headers, content = _call(
        application, "POST", "/api/v1/reports/", "jakarta.localhost", b'{"title": "x"}', accept_language="en"
    )
    assert status.startswith("400")
    assert json.loads(content)["text"] == ["This field is required."]

    # The admin's login page still goes through CSRF (its cookie is set).
    status, headers, _content = _call(application, "GET", "/admin/login/", "localhost")
    assert status.startswith("200")
    assert any(name == "Set-Cookie" and value.strip().startswith("csrftoken=") for name, value in headers)


def test_an_officer_session_still_needs_its_csrf_token_and_is_ignored_by_citizen_calls(jakarta: Pemda) -> None:
    user = User.objects.create_user("vina", password="vina-pass-123")
    Membership.objects.create(user=user, tenant=jakarta, role=Role.VERIFIKATOR)
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="jakarta.localhost")
    login = browser.post(
        "/api/v1/auth/login/",
        {"username": "vina", "password": "vina-pass-123", "otp": otp_code(user)},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    assert {"sessionid", "csrftoken"} <= set(login.cookies)

    listed = browser.get("/api/v1/officer/reports/")
    assert listed.status_code == 200  # the session authenticates the officer's API

    refused = browser.post("/api/v1/officer/reports/7/archive/", {"reason": "uji"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    with_token = browser.post(
        "/api/v1/officer/reports/7/archive/",
        {"reason": "uji"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert with_token.status_code == 404  # past CSRF and authentication; there is no report 7

    # A citizen's call from the same browser takes the short chain: the session is neither read
    # nor renewed, and no CSRF token is asked for.
    submitted = browser.post("/api/v1/reports/", REPORT, content_type="application/json")
    assert submitted.status_code == 201, submitted.content
    assert "sessionid" not in submitted.cookies
