"""Account API on every host (hub and Pemda): log in, log out, who am I here; the second sign-in step."""

from django.urls import path

from accounts import pages
from accounts.views import LoginApi, LogoutApi, MeApi

urlpatterns = [
    path("api/v1/auth/login/", LoginApi.as_view(), name="api-login"),
    path("api/v1/auth/logout/", LogoutApi.as_view(), name="api-logout"),
    path("api/v1/me/", MeApi.as_view(), name="api-me"),
    # Before the one-time links' masuk/<token>/ (accounts.urls_tenant), which would take these names.
    path("masuk/verifikasi/", pages.verify, name="login-verify"),
    path("masuk/aktifkan-verifikasi/", pages.enrol, name="login-enrol"),
]
