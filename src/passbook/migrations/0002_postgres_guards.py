"""Last lines of defence that only PostgreSQL can express.

- The pass ledger is append-only: a trigger rejects UPDATE and DELETE.
- A staff member or a resource is never in two overlapping scheduled sessions
  (exclusion constraints over time ranges; needs btree_gist).

On SQLite the services check overlaps under the database write lock instead.
"""

from django.db import migrations

from passbook.migrations import _postgres

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE FUNCTION passbook_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the pass ledger is append-only: ' || TG_OP || ' rejected',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER passentry_append_only
    BEFORE UPDATE OR DELETE ON passbook_passentry
    FOR EACH ROW EXECUTE FUNCTION passbook_ledger_append_only();

ALTER TABLE passbook_session ADD CONSTRAINT session_staff_no_overlap
    EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status = 'scheduled' AND staff_id IS NOT NULL);

ALTER TABLE passbook_session ADD CONSTRAINT session_resource_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status = 'scheduled' AND resource_id IS NOT NULL);
"""

BACKWARD = """
ALTER TABLE passbook_session DROP CONSTRAINT session_resource_no_overlap;
ALTER TABLE passbook_session DROP CONSTRAINT session_staff_no_overlap;
DROP TRIGGER passentry_append_only ON passbook_passentry;
DROP FUNCTION passbook_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("passbook", "0001_initial")]

    operations = [migrations.RunPython(_postgres.only(FORWARD), _postgres.only(BACKWARD))]
