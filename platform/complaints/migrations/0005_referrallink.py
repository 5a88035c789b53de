"""A Pemda's ends of referrals live in its own schema (they were rows of public.sync_referrallink).

Expand step: the table is created and this Pemda's rows are copied from the public table, which
stays until a later release drops it (django-tenants migrates public before the tenants, so the
rows must still be there when each schema copies its own). Each schema copies only the rows of
its own Pemda, in its own transaction; a repeat copies nothing twice.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

COPY_OWN_LINKS = """
INSERT INTO complaints_referrallink
    (referral_key, role, report_id, tracking_id, reply_to, applied_version, mirrored_followups)
SELECT l.referral_key, l.role, l.report_id, l.tracking_id, l.reply_to, l.applied_version, l.mirrored_followups
FROM public.sync_referrallink l
JOIN public.tenants_pemda p ON p.code = l.party AND p.schema_name = current_schema()
JOIN complaints_report r ON r.id = l.report_id
ON CONFLICT (referral_key) DO NOTHING
"""


def copy_own_links(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.sync_referrallink') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(COPY_OWN_LINKS)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_audit_hash_not_indexed")]

    operations = [
        migrations.CreateModel(
            name="ReferralLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("referral_key", models.CharField(max_length=80)),
                ("role", models.CharField(choices=[("origin", "Asal"), ("receiver", "Penerima")], max_length=10)),
                ("tracking_id", models.CharField(max_length=12)),
                ("reply_to", models.CharField(default="hub", max_length=40)),
                ("applied_version", models.PositiveIntegerField(default=0)),
                (
                    "mirrored_followups",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40), blank=True, default=list, size=None
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="complaints.report",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["report"], name="referral_link_of_report")],
                "constraints": [models.UniqueConstraint(fields=("referral_key",), name="referral_link_key_once")],
            },
        ),
        migrations.RunPython(copy_own_links, migrations.RunPython.noop),
    ]
