"""ProcessHeartbeat moves to the project package (lapor): state only, no table or row moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("national_hub", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ProcessHeartbeat")],
            database_operations=[],
        ),
    ]
