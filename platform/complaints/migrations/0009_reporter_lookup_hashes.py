"""Keyed lookup hashes of the reporter's phone, e-mail and NIK, backfilled from the sealed values.

The backfill decrypts with the deployment's keys (lapor.crypto) and hashes with its lookup key
(lapor.lookup): both live outside the database, so this cannot be done in SQL. It reads a
Pemda's reports in batches by id, so a schema with a million reports never holds them all.
"""

from typing import Any

from django.db import migrations, models

BATCH = 2000


def _backfill(apps: Any, schema_editor: Any) -> None:
    from lapor.crypto import decrypt
    from lapor.lookup import email_hash, nik_hash, phone_hash

    report = apps.get_model("complaints", "Report")
    sealed = report.objects.exclude(reporter_phone="", reporter_email="", reporter_nik="")
    last = 0
    while True:
        rows = list(
            sealed.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "reporter_phone", "reporter_email", "reporter_nik")[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            row.reporter_phone_hash = phone_hash(decrypt(row.reporter_phone))
            row.reporter_email_hash = email_hash(decrypt(row.reporter_email))
            row.reporter_nik_hash = nik_hash(decrypt(row.reporter_nik))
        report.objects.bulk_update(rows, ["reporter_phone_hash", "reporter_email_hash", "reporter_nik_hash"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_open311_channel_and_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="identity_purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_email_hash",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_nik_hash",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_phone_hash",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop),
    ]
