"""URLs of a Pemda host (its own schema); apps are composed by dotted path (see lapor.urls_public)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("agencies.urls")),
    path("", include("accounts.urls")),
    path("api/v1/", include("complaints.urls")),
    path("", include("accounts.urls_tenant")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
