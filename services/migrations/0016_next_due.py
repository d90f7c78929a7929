"""issue 14 - the handler's queue in milliseconds: the next pending due time on the complaint row.

- complaints.next_due_at: the soonest pending deadline a handler can miss (every kind but the
  revisit floor `revisit_opens`), null when none is pending; complaints.breach_open: a breached
  deadline of the complaint is still unmet. Both are kept by triggers on complaint_deadlines,
  in the statement (so in the transaction) that changes a deadline, whichever code writes it.
  They are not fields of the Tortoise model, so no ORM save can write a stale value back.
- indexes serving `orderBy: DUE_SOONEST` and its filters (overdue, dueWithinHours, owner,
  department) by an index scan: (next_due_at, id), (owner_id, next_due_at, id),
  (department_id, next_due_at, id), all partial on `next_due_at IS NOT NULL`, and the few
  complaints with an open breach.
- partner_disputes_unopened: the customers' disputes whose complaint and refund the worker has
  not yet opened (services.partners.disputes.open_waiting).

Every writer of a deadline locks its complaint first (the steps' lock order), so the trigger's
UPDATE of that row takes no new lock.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_REFRESH = """
CREATE FUNCTION complaint_next_due_refresh(cid integer) RETURNS void AS $$
    UPDATE complaints c
       SET next_due_at = s.next_due, breach_open = s.breached
      FROM (SELECT min(d.due_at) FILTER (WHERE d.state = 'pending') AS next_due,
                   coalesce(bool_or(d.state = 'breached' AND d.met_at IS NULL), false) AS breached
              FROM complaint_deadlines d
             WHERE d.complaint_id = cid AND d.kind <> 'revisit_opens') s
     WHERE c.id = cid
       AND (c.next_due_at IS DISTINCT FROM s.next_due OR c.breach_open <> s.breached)
$$ LANGUAGE sql
"""

_TRIGGER = """
CREATE FUNCTION complaint_deadlines_next_due() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'revisit_opens' THEN
            RETURN NULL;
        ELSIF NEW.state = 'pending' THEN
            -- the common case (intake, a step, a promise): one comparison, no aggregate
            UPDATE complaints SET next_due_at = NEW.due_at
             WHERE id = NEW.complaint_id
               AND (next_due_at IS NULL OR next_due_at > NEW.due_at);
            RETURN NULL;
        END IF;
        PERFORM complaint_next_due_refresh(NEW.complaint_id);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM complaint_next_due_refresh(NEW.complaint_id);
        IF OLD.complaint_id <> NEW.complaint_id THEN
            PERFORM complaint_next_due_refresh(OLD.complaint_id);
        END IF;
    ELSE
        PERFORM complaint_next_due_refresh(OLD.complaint_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0015_supervision_batch_marks")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "ALTER TABLE complaints ADD COLUMN next_due_at TIMESTAMPTZ",
                "ALTER TABLE complaints ADD COLUMN breach_open BOOLEAN NOT NULL DEFAULT false",
                _REFRESH,
                _TRIGGER,
                "CREATE TRIGGER complaint_deadlines_next_due_ins AFTER INSERT ON complaint_deadlines"
                " FOR EACH ROW EXECUTE FUNCTION complaint_deadlines_next_due()",
                "CREATE TRIGGER complaint_deadlines_next_due_upd AFTER UPDATE ON complaint_deadlines"
                " FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state"
                " OR OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.met_at IS DISTINCT FROM NEW.met_at"
                " OR OLD.kind IS DISTINCT FROM NEW.kind"
                " OR OLD.complaint_id IS DISTINCT FROM NEW.complaint_id)"
                " EXECUTE FUNCTION complaint_deadlines_next_due()",
                "CREATE TRIGGER complaint_deadlines_next_due_del AFTER DELETE ON complaint_deadlines"
                " FOR EACH ROW EXECUTE FUNCTION complaint_deadlines_next_due()",
                # what the complaints have today
                "UPDATE complaints c SET next_due_at = s.next_due, breach_open = s.breached"
                " FROM (SELECT d.complaint_id,"
                " min(d.due_at) FILTER (WHERE d.state = 'pending') AS next_due,"
                " coalesce(bool_or(d.state = 'breached' AND d.met_at IS NULL), false) AS breached"
                " FROM complaint_deadlines d WHERE d.kind <> 'revisit_opens'"
                " GROUP BY d.complaint_id) s WHERE c.id = s.complaint_id",
                "CREATE INDEX complaints_queue ON complaints (next_due_at, id)"
                " WHERE next_due_at IS NOT NULL",
                "CREATE INDEX complaints_queue_owner ON complaints (owner_id, next_due_at, id)"
                " WHERE next_due_at IS NOT NULL",
                "CREATE INDEX complaints_queue_department ON complaints"
                " (department_id, next_due_at, id) WHERE next_due_at IS NOT NULL",
                "CREATE INDEX complaints_breach_open ON complaints (id) WHERE breach_open",
                # partner disputes waiting for the worker to open their complaint and refund
                "CREATE INDEX partner_disputes_unopened ON partner_disputes (id)"
                " WHERE customer_id IS NOT NULL AND complaint_id IS NULL",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS partner_disputes_unopened",
                "DROP INDEX IF EXISTS complaints_breach_open",
                "DROP INDEX IF EXISTS complaints_queue_department",
                "DROP INDEX IF EXISTS complaints_queue_owner",
                "DROP INDEX IF EXISTS complaints_queue",
                "DROP TRIGGER IF EXISTS complaint_deadlines_next_due_del ON complaint_deadlines",
                "DROP TRIGGER IF EXISTS complaint_deadlines_next_due_upd ON complaint_deadlines",
                "DROP TRIGGER IF EXISTS complaint_deadlines_next_due_ins ON complaint_deadlines",
                "DROP FUNCTION IF EXISTS complaint_deadlines_next_due()",
                "DROP FUNCTION IF EXISTS complaint_next_due_refresh(integer)",
                "ALTER TABLE complaints DROP COLUMN IF EXISTS breach_open",
                "ALTER TABLE complaints DROP COLUMN IF EXISTS next_due_at",
            ],
        ),
    ]
