"""URLs of a Pemda host (its own schema); apps are composed by dotted path (see lapor.urls_public)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("accounts.urls")),
    path("api/v1/", include("citizens.urls")),
    path("api/v1/", include("complaints.urls")),
    path("", include("accounts.urls_tenant")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="lapor.urls_tenant"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("channels.urls")),
    path("", include("open311.urls")),
    path("", include("web.urls")),
]

handler400 = "web.errors.bad_request"
handler404 = "web.errors.page_not_found"
handler500 = "web.errors.server_error"
