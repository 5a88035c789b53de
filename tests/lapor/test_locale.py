"""The site's LocaleMiddleware answers in the language a citizen asks for, as Django's does."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path
from django.utils import translation

from lapor.locale import LocaleMiddleware
from tenants.models import Pemda
from tests.complaints.conftest import Api

BAD = {"title": "abc"}


@pytest.fixture
def api(jakarta: Pemda) -> Api:
    return Api()


@pytest.mark.parametrize(
    ("headers", "language", "message"),
    [
        ({}, "id", "Bidang ini harus diisi."),
        ({"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"}, "en", "This field is required."),
        ({"HTTP_ACCEPT_LANGUAGE": "fr, id;q=0.5"}, "id", "Bidang ini harus diisi."),
        ({"HTTP_ACCEPT_LANGUAGE": "de"}, "id", "Bidang ini harus diisi."),  # unknown: the site's default
    ],
)
def test_api_answers_in_the_asked_language_and_says_so(
    api: Api, jakarta: Pemda, headers: dict[str, str], language: str, message: str
) -> None:
    response = api.post("/api/v1/reports/", BAD, **headers)
    assert response.status_code == 400
    assert response.json()["text"] == [message]
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_language_cookie_wins_over_the_header(api: Api, jakarta: Pemda) -> None:
    api.client.cookies["django_language"] = "en"
    response = api.post("/api/v1/reports/", BAD, HTTP_ACCEPT_LANGUAGE="id")
    assert response.json()["text"] == ["This field is required."]
    assert response["Content-Language"] == "en"


def _view(request: Any) -> HttpResponse:
    return HttpResponse(translation.get_language())


urlpatterns = i18n_patterns(path("halaman/", _view))


@override_settings(ROOT_URLCONF=__name__)
def test_language_prefixed_urls_still_get_djangos_behaviour() -> None:
    """A URLconf with i18n_patterns takes the language from the path, as Django's middleware does."""

    def resolve(request: Any) -> HttpResponse:
        prefixed = request.path.startswith(("/en/", "/id/"))
        return _view(request) if prefixed else HttpResponse(status=404)

    middleware = LocaleMiddleware(resolve)
    request = RequestFactory().get("/en/halaman/", HTTP_ACCEPT_LANGUAGE="id")
    response = middleware(request)
    assert request.LANGUAGE_CODE == "en"
    assert response["Content-Language"] == "en"
    missing = middleware(RequestFactory().get("/halaman/", HTTP_ACCEPT_LANGUAGE="en"))
    assert missing.status_code == 302 and missing["Location"] == "/en/halaman/"
