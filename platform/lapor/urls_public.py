"""URLs of the hub host (public schema)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import LoginApi, LogoutApi, MeApi
from national_hub.views import hub_home

urlpatterns = [
    path("", hub_home, name="hub-home"),
    path("admin/", admin.site.urls),
    path("api/v1/auth/login/", LoginApi.as_view(), name="api-login"),
    path("api/v1/auth/logout/", LogoutApi.as_view(), name="api-logout"),
    path("api/v1/me/", MeApi.as_view(), name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("national_hub.urls")),
    path("", include("sync.urls_hub")),
]
