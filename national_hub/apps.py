from django.apps import AppConfig


class NationalHubConfig(AppConfig):
    name = "national_hub"
    verbose_name = "Hub nasional"
