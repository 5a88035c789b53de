"""The audit chain's second link format, which an outsider can follow without reading the events.

Version 1 hashed the previous hash together with the whole event, so checking one link needed the
event's content. From this migration on, each event is committed to in two layers:

- detail = sha256 of the JSON array [salt, actor_user_id, actor_label, data]: who acted and what
  they recorded, with a random salt (gen_random_uuid, core PostgreSQL) so the digest of a short,
  guessable record cannot be found by trying candidates;
- entry  = sha256 of "lapor-audit/2|<at in microseconds>|<report id or empty>|<action>|<detail>|<report
  link>", the report link being the hash of the same report's previous event (64 zeros for its
  first, empty for an event of no report): a report's events form a chain of their own inside
  the Pemda's, so none of them can be left out of its public history unnoticed;
- hash   = sha256 of the previous hash followed by the entry (both as hex text).

A report's public history can then be checked link by link up to the hub's signed checkpoint from
its own events' (time, report, action, detail) and the bare entry digests of everyone else's
events (complaints.checkpoints). Events written before keep their version 1 hashes (salt empty);
`audit_first_broken_link` recomputes each by its own format. Schema change, index and function
only: no row is rewritten.
"""

from django.db import migrations, models

APPEND_V2 = r"""
CREATE OR REPLACE FUNCTION complaints_audit_append(
    p_at timestamptz, p_actor_user_id bigint, p_actor_label text, p_report_id bigint, p_action text, p_data jsonb
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_prev text;
    v_salt text := gen_random_uuid()::text;
    v_detail text;
    v_report_prev text := '';
    v_entry text;
    v_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit:' || current_schema()));
    SELECT hash INTO v_prev FROM complaints_auditevent ORDER BY id DESC LIMIT 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    IF p_report_id IS NOT NULL THEN
        SELECT hash INTO v_report_prev FROM complaints_auditevent WHERE report_id = p_report_id ORDER BY id DESC LIMIT 1;
        v_report_prev := coalesce(v_report_prev, repeat('0', 64));
    END IF;
    v_detail := encode(sha256(convert_to(
        jsonb_build_array(v_salt, p_actor_user_id, p_actor_label, p_data)::text, 'UTF8')), 'hex');
    v_entry := encode(sha256(convert_to(concat_ws('|', 'lapor-audit/2',
        ((extract(epoch FROM p_at) * 1000000)::bigint)::text, coalesce(p_report_id::text, ''), p_action, v_detail,
        v_report_prev),
        'UTF8')), 'hex');
    INSERT INTO complaints_auditevent (at, actor_user_id, actor_label, report_id, action, data, salt, prev_hash, hash)
    VALUES (
        p_at, p_actor_user_id, p_actor_label, p_report_id, p_action, p_data, v_salt, v_prev,
        encode(sha256(convert_to(v_prev || v_entry, 'UTF8')), 'hex')
    ) RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
"""

APPEND_V1 = r"""
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
    dependencies = [("complaints", "0009_reporter_lookup_hashes")]

    operations = [
        # The append function finds a report's last event by (report_id, id): one index probe,
        # whatever the planner thinks of a report_id it has no statistics for. It replaces the
        # index on report_id alone.
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["report_id", "id"], name="audit_report_chain"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="report_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="salt",
            field=models.CharField(blank=True, default="", max_length=36),
        ),
        migrations.RunSQL(APPEND_V2, APPEND_V1),
    ]
