"""URLs of a Pemda host (its own schema)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import LoginApi, LogoutApi, MeApi, login_link
from lapor.views import tenant_home

urlpatterns = [
    path("", tenant_home, name="tenant-home"),
    path("api/v1/auth/login/", LoginApi.as_view(), name="api-login"),
    path("api/v1/auth/logout/", LogoutApi.as_view(), name="api-logout"),
    path("api/v1/me/", MeApi.as_view(), name="api-me"),
    path("api/v1/", include("complaints.urls")),
    path("masuk/<str:token>/", login_link, name="login-link"),
    path("api/v1/", include("sync.urls_tenant")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
