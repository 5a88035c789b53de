from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The K/L registry and routing rules, part of the hub. The label stays "registry" so the
    tables (registry_instansi, registry_routingrule) and the migration history stay as they were."""

    name = "national_hub.registry"
    label = "registry"
    verbose_name = "Registri K/L dan aturan rute"
