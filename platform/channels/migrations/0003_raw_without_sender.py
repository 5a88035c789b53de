"""Messages kept before the sender left the raw copy: drop it there too (it stays sealed in `sender`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_poll_cursor")]

    operations = [
        migrations.RunSQL(
            "UPDATE channels_inboundmessage SET raw = raw - 'from' - 'From' - 'author_id' - 'username'"
            " WHERE raw ?| array['from', 'From', 'author_id', 'username']",
            migrations.RunSQL.noop,
        )
    ]
