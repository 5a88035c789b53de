"""The audit chain's append function, one copy per tenant schema (created where the migration runs).

Appending in the database makes an event one round trip: the function takes the tenant's
advisory lock, then (with a fresh snapshot, as every statement in a VOLATILE function gets)
reads the last hash and inserts the new event with its hash. The hash covers the canonical
text of a JSONB array of the event's fields, which `audit_first_broken_link` recomputes.
"""

from django.db import migrations

APPEND = r"""
CREATE OR REPLACE FUNCTION complaints_audit_append(
    p_at timestamptz, p_actor_user_id bigint, p_actor_label text, p_report_id bigint, p_action text, p_data jsonb
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_prev text;
    v_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit:' || current_schema()));
    SELECT hash INTO v_prev FROM complaints_auditevent ORDER BY id DESC LIMIT 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    INSERT INTO complaints_auditevent (at, actor_user_id, actor_label, report_id, action, data, prev_hash, hash)
    VALUES (
        p_at, p_actor_user_id, p_actor_label, p_report_id, p_action, p_data, v_prev,
        encode(sha256(convert_to(jsonb_build_array(
            v_prev, (extract(epoch FROM p_at) * 1000000)::bigint, p_actor_user_id, p_actor_label,
            p_report_id, p_action, p_data)::text, 'UTF8')), 'hex')
    ) RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [
        migrations.RunSQL(
            APPEND,
            "DROP FUNCTION IF EXISTS complaints_audit_append(timestamptz, bigint, text, bigint, text, jsonb)",
        ),
    ]
