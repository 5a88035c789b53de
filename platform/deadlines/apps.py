from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = "Tenggat SLA (indeks nasional)"

    def ready(self) -> None:
        from deadlines.offboarding import register

        register()
