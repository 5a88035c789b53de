"""URLs of the hub host (public schema).

The project's URL confs compose the apps by dotted path, as the settings do, so the project
package imports none of them (the import contracts in pyproject.toml keep it so).
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lapor.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # Prometheus scrapes the hub host only (lapor.metrics: loopback or a bearer token).
    path("metrics", metrics_view, name="metrics"),
    path("", include("accounts.urls")),
    path("api/v1/", include("citizens.urls")),
    # The hub describes its own routes (the default would be ROOT_URLCONF, a Pemda's).
    path("api/schema/", SpectacularAPIView.as_view(urlconf="lapor.urls_public"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("national_hub.urls")),
    path("", include("sync.urls")),
    path("", include("channels.urls")),
    path("", include("open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "web.errors.bad_request"
handler404 = "web.errors.page_not_found"
handler500 = "web.errors.server_error"
