"""Account pages of a Pemda host: the one-time sign-in links onboarding hands out."""

from django.urls import path

from accounts.views import login_link

urlpatterns = [path("masuk/<str:token>/", login_link, name="login-link")]
