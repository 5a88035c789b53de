"""Django's LocaleMiddleware without its language-from-path lookups on sites that have no language prefixes.

Django's middleware reads a language code from the start of every path, twice per request,
even when the URLconf has no `i18n_patterns` and the answer is never used. On this site every
path begins with a segment that looks like one (`/api/`, `/admin/`, `/hub/`), and a code that is
not a language costs a `LookupError` that Django's cache does not keep, about 20 µs of each API
call (`make bench-intake`). Where a URLconf does use `i18n_patterns`, Django's own code runs
unchanged; elsewhere the result is the same (language from cookie and Accept-Language,
`Vary: Accept-Language`, `Content-Language`), which tests/lapor/test_locale.py checks.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _prefixed(request: HttpRequest) -> bool:
    return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if _prefixed(request):
            super().process_request(request)
            return
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if _prefixed(request):
            return super().process_response(request, response)  # type: ignore[no-any-return]
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
