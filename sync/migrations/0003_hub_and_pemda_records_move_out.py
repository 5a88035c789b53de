"""The hub's and the Pemda's records leave sync, which only carries messages (state only).

HubReferral moves to national_hub with its table (sync_hubreferral) unchanged. ReferralLink moves
into each Pemda's own schema (complaints.ReferralLink), whose migration copies the Pemda's rows
from this table; the table itself stays until a later release drops it, so a schema upgraded
after this one still finds its rows to copy.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sync", "0002_hubreferral_triage_escalated_at")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="HubReferral"), migrations.DeleteModel(name="ReferralLink")],
            database_operations=[],
        ),
    ]
