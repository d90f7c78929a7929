"""issue 14 - an investigator's load kept as a count, so intake reads a few rows, not every one.

C-8 gives a routed complaint to the department's least-loaded active handler: fewest unresolved
complaints they investigate. Migration 0023 counted the open rows of complaint_departments by a
partial index: every intake read one index entry per unresolved complaint of the department
(a department with 20,000 open complaints: 20,000 entries, about 1 ms of PostgreSQL per intake).

investigator_loads keeps the count: a trigger on complaint_departments adds 1 when a row becomes
open with an investigator (written, reopened by the status trigger of 0023, handed to them)
and takes 1 away when it stops being (resolved, archived, handed to someone else, deleted), in
the statement that changes the row, so in the step's transaction. The load of an investigator
is the sum of their rows. Each database session adds to a row of its own (slot: its backend
pid), so two intakes routed to one investigator at once never wait for each other's row;
`services.complaints.routing.fold_loads` (a worker cron) folds the sessions' rows into slot 0.
Not a Tortoise model: nothing but the trigger and the fold writes it.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_COUNT = """
CREATE FUNCTION investigator_loads_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.complaint_open AND OLD.investigator_id IS NOT NULL THEN
        INSERT INTO investigator_loads (investigator_id, slot, open)
        VALUES (OLD.investigator_id, pg_backend_pid(), -1)
        ON CONFLICT (investigator_id, slot)
        DO UPDATE SET open = investigator_loads.open - 1;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.complaint_open AND NEW.investigator_id IS NOT NULL THEN
        INSERT INTO investigator_loads (investigator_id, slot, open)
        VALUES (NEW.investigator_id, pg_backend_pid(), 1)
        ON CONFLICT (investigator_id, slot)
        DO UPDATE SET open = investigator_loads.open + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0026_partner_release")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE TABLE investigator_loads (investigator_id INT NOT NULL,"
                " slot INT NOT NULL, open INT NOT NULL, PRIMARY KEY (investigator_id, slot))",
                "INSERT INTO investigator_loads (investigator_id, slot, open)"
                " SELECT investigator_id, 0, count(*) FROM complaint_departments"
                " WHERE complaint_open AND investigator_id IS NOT NULL GROUP BY investigator_id",
                _COUNT,
                "CREATE TRIGGER complaint_departments_load_added AFTER INSERT OR DELETE"
                " ON complaint_departments FOR EACH ROW"
                " EXECUTE FUNCTION investigator_loads_count()",
                "CREATE TRIGGER complaint_departments_load_moved"
                " AFTER UPDATE ON complaint_departments"  # not OF columns: 0023's BEFORE
                " FOR EACH ROW WHEN (OLD.investigator_id IS DISTINCT FROM NEW.investigator_id"
                " OR OLD.complaint_open IS DISTINCT FROM NEW.complaint_open)"
                " EXECUTE FUNCTION investigator_loads_count()",
            ],
            reverse_sql=[
                "DROP TRIGGER IF EXISTS complaint_departments_load_moved"
                " ON complaint_departments",
                "DROP TRIGGER IF EXISTS complaint_departments_load_added"
                " ON complaint_departments",
                "DROP FUNCTION IF EXISTS investigator_loads_count()",
                "DROP TABLE IF EXISTS investigator_loads",
            ],
        ),
    ]
