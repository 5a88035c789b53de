"""Hub-only URLs: the onboarding console and its API."""

from django.urls import path

from national_hub.api import OnboardingApi, PemdaArchiveApi, PemdaDeleteApi, PemdaExportApi, PemdaUnarchiveApi
from national_hub.console import onboarding_console

urlpatterns = [
    path("konsol/onboarding/", onboarding_console, name="hub-onboarding-console"),
    path("api/v1/hub/onboarding/", OnboardingApi.as_view(), name="hub-onboarding"),
    path("api/v1/hub/pemda/<str:code>/archive/", PemdaArchiveApi.as_view(), name="hub-pemda-archive"),
    path("api/v1/hub/pemda/<str:code>/unarchive/", PemdaUnarchiveApi.as_view(), name="hub-pemda-unarchive"),
    path("api/v1/hub/pemda/<str:code>/export/", PemdaExportApi.as_view(), name="hub-pemda-export"),
    path("api/v1/hub/pemda/<str:code>/", PemdaDeleteApi.as_view(), name="hub-pemda-delete"),
]
