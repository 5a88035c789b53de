from django.apps import AppConfig


class LaporConfig(AppConfig):
    """The project package as an app: its platform records (process heartbeats) and commands."""

    name = "lapor"
    verbose_name = "Platform LAPOR!"

    def ready(self) -> None:
        from lapor.logs import configure_structlog

        configure_structlog()
