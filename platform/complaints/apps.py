from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Laporan warga"

    def ready(self) -> None:
        # pgtrigger swaps makemigrations' autodetector for one that knows triggers; Django 5.2
        # requires migrate's to match, and django-tenants replaces `migrate` with its own command.
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

        from complaints import signals  # noqa: F401 - cache invalidation

        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector
