"""HubReferral moves here from sync: state only, the table sync_hubreferral keeps its name and rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("national_hub", "0002_processheartbeat_to_lapor"),
        ("sync", "0003_hub_and_pemda_records_move_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HubReferral",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("referral_key", models.CharField(max_length=80, unique=True)),
                        ("origin", models.CharField(max_length=40)),
                        ("origin_party", models.CharField(max_length=40)),
                        ("origin_name", models.CharField(blank=True, max_length=200)),
                        ("tracking_id", models.CharField(max_length=12)),
                        ("title", models.CharField(max_length=200)),
                        ("category_code", models.CharField(blank=True, max_length=40)),
                        ("region_code", models.CharField(blank=True, max_length=13)),
                        ("target_code", models.CharField(blank=True, max_length=40)),
                        ("target_kind", models.CharField(blank=True, max_length=10)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("routed", "Diteruskan ke penerima"),
                                    ("accepted", "Diterima penerima"),
                                    ("answered", "Dijawab"),
                                    ("closed", "Selesai"),
                                    ("triage", "Antrean triase hub"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("receiver_version", models.PositiveIntegerField(default=0)),
                        ("return_reason", models.TextField(blank=True)),
                        ("triage_due_at", models.DateTimeField(blank=True, null=True)),
                        ("triage_escalated_at", models.DateTimeField(blank=True, null=True)),
                        ("report", models.JSONField(default=dict)),
                        ("followups", models.JSONField(default=list)),
                        ("created_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField()),
                    ],
                    options={
                        "verbose_name": "rujukan di hub",
                        "verbose_name_plural": "rujukan di hub",
                        "db_table": "sync_hubreferral",
                        "indexes": [models.Index(fields=["status", "target_code"], name="hubref_status_target")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
