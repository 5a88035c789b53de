"""Load the default 54 K/L (idempotent: only missing codes are added)."""

from django.db import migrations


def seed(apps, schema_editor):
    from national_hub.registry.services import instansi_seed

    instansi_seed(model=apps.get_model("registry", "Instansi"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
