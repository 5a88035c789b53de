"""Peer signing secrets are sealed at rest with the project's keys (lapor.crypto, rotation included)."""

from django.db import migrations, models


def seal(apps, schema_editor):
    from lapor.crypto import PEER_SECRET, PREFIX, encrypt

    # Issued secrets are URL-safe tokens (no ":"), so a plaintext one never starts with the prefix.
    for key in apps.get_model("sync", "PeerKey").objects.exclude(secret__startswith=PREFIX):
        key.secret = encrypt(key.secret, use=PEER_SECRET)
        key.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("sync", "0003_hub_and_pemda_records_move_out")]

    operations = [
        migrations.AlterField(model_name="peerkey", name="secret", field=models.TextField()),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
