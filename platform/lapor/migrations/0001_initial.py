"""ProcessHeartbeat moves here from national_hub: state only, the table keeps its name and rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("national_hub", "0002_processheartbeat_to_lapor")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProcessHeartbeat",
                    fields=[
                        ("name", models.CharField(max_length=64, primary_key=True, serialize=False)),
                        ("last_seen", models.DateTimeField()),
                    ],
                    options={"db_table": "national_hub_processheartbeat"},
                ),
            ],
            database_operations=[],
        ),
    ]
