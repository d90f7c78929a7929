"""issue 14 - intake's investigator without reading every complaint a department ever had.

C-8 gives a routed complaint to the department's least-loaded handler: fewest unresolved
complaints they investigate. Counted by joining complaint_departments to complaints, that read
every row the department's handlers ever had (a sequential scan of complaint_departments per
intake, growing with history). Now:

- complaint_departments.complaint_open: the complaint is unresolved (the statuses of
  `services.complaints.models.UNRESOLVED`); set from the complaint when the row is written and
  kept by a trigger on complaints when the status changes, in that statement (so in the
  transaction of the step). Not a field of the Tortoise model: no ORM save writes it back.
- complaint_departments_open_load: a partial index on (investigator_id) of the open rows, so
  the load is counted over the handlers' open complaints only (the working set).

A step locks its complaint row before writing it, so the trigger's update of the complaint's
department rows follows the lock order (the complaint, then its rows).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# services.complaints.models.UNRESOLVED; test_c8_an_investigators_load_counts_what_is_unresolved
# compares the two
_OPEN = "('received', 'acknowledged', 'investigating', 'plan_proposed', 'resolving')"

_ON_INSERT = f"""
CREATE FUNCTION complaint_departments_open() RETURNS trigger AS $$
BEGIN
    -- open unless its complaint is known not to be: a complaint written by the same
    -- statement (intake writes both at once) is not visible here, and is new, so open
    NEW.complaint_open := NOT EXISTS (
        SELECT 1 FROM complaints WHERE id = NEW.complaint_id AND status NOT IN {_OPEN});
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""

_ON_STATUS = f"""
CREATE FUNCTION complaints_status_open() RETURNS trigger AS $$
BEGIN
    UPDATE complaint_departments
       SET complaint_open = (NEW.status IN {_OPEN})
     WHERE complaint_id = NEW.id AND complaint_open <> (NEW.status IN {_OPEN});
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0022_issue12")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "ALTER TABLE complaint_departments"
                " ADD COLUMN complaint_open BOOLEAN NOT NULL DEFAULT true",
                "UPDATE complaint_departments d SET complaint_open = (c.status IN "
                + _OPEN
                + ") FROM complaints c WHERE c.id = d.complaint_id",
                _ON_INSERT,
                "CREATE TRIGGER complaint_departments_open BEFORE INSERT OR UPDATE OF complaint_id"
                " ON complaint_departments FOR EACH ROW"
                " EXECUTE FUNCTION complaint_departments_open()",
                _ON_STATUS,
                "CREATE TRIGGER complaints_status_open AFTER UPDATE OF status ON complaints"
                " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)"
                " EXECUTE FUNCTION complaints_status_open()",
                "CREATE INDEX complaint_departments_open_load ON complaint_departments"
                " (investigator_id) WHERE complaint_open",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS complaint_departments_open_load",
                "DROP TRIGGER IF EXISTS complaints_status_open ON complaints",
                "DROP FUNCTION IF EXISTS complaints_status_open()",
                "DROP TRIGGER IF EXISTS complaint_departments_open ON complaint_departments",
                "DROP FUNCTION IF EXISTS complaint_departments_open()",
                "ALTER TABLE complaint_departments DROP COLUMN IF EXISTS complaint_open",
            ],
        ),
    ]
