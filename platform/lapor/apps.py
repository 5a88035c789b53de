from django.apps import AppConfig


class LaporConfig(AppConfig):
    """The project package as an app: its platform records (process heartbeats) and commands."""

    name = "lapor"
    verbose_name = "Platform LAPOR!"

    def ready(self) -> None:
        from lapor import pooler  # noqa: F401 - registers the pool-mode system check
        from lapor.logs import configure_structlog

        configure_structlog()
