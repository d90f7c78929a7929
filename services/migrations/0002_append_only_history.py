"""Complaint history is append-only (C-6): the database refuses to change or delete an event."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                """
                CREATE FUNCTION complaint_events_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION 'complaint history is append-only';
                END;
                $$ LANGUAGE plpgsql
                """,
                """
                CREATE TRIGGER complaint_events_no_update_delete
                BEFORE UPDATE OR DELETE ON "complaint_events"
                FOR EACH ROW EXECUTE FUNCTION complaint_events_append_only()
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER complaint_events_no_update_delete ON "complaint_events"',
                "DROP FUNCTION complaint_events_append_only()",
            ],
        ),
    ]
