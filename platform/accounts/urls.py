"""Account API on every host (hub and Pemda): log in, log out, who am I here."""

from django.urls import path

from accounts.views import LoginApi, LogoutApi, MeApi

urlpatterns = [
    path("api/v1/auth/login/", LoginApi.as_view(), name="api-login"),
    path("api/v1/auth/logout/", LogoutApi.as_view(), name="api-logout"),
    path("api/v1/me/", MeApi.as_view(), name="api-me"),
]
