"""issue 10 - every domain time from the domain clock (C-7), database triggers included.

0013's trigger on refund_events stamped the partner webhook event it writes with the database's
`now()` (the wall clock), while the same column written from Python (services/partners/
webhooks.py) takes the domain clock. The event's `created_at` is now the refund event's own
time (`NEW.at`, written from the domain clock), like its `occurred_at` and `next_attempt_at`.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# the partner's stage of a refund status, as 0013's trigger computes it
STAGE_OF = """CASE {status} WHEN 'executed' THEN 'refunded'
    WHEN 'verifying' THEN 'open' WHEN 'awaiting_approval' THEN 'open'
    WHEN 'awaiting_confirmation' THEN 'open' WHEN 'confirmed' THEN 'open'
    WHEN '' THEN '' ELSE 'refused' END"""


def _trigger(created_at: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION partner_dispute_status_event() RETURNS trigger AS $$
DECLARE
    dispute partner_disputes%ROWTYPE;
    moved_to text := {STAGE_OF.format(status="NEW.to_status")};
BEGIN
    SELECT * INTO dispute FROM partner_disputes WHERE refund_id = NEW.refund_id FOR UPDATE;
    IF NOT FOUND OR dispute.stage = moved_to THEN
        RETURN NULL;
    END IF;
    UPDATE partner_disputes SET stage = moved_to, stage_changed_at = NEW.at
    WHERE id = dispute.id;
    -- every NOT NULL column explicitly: Tortoise defaults are not column defaults
    INSERT INTO partner_webhook_events
        (event_id, partner_id, dispute_id, type, status, previous_status, occurred_at,
         refund_event_id, state, attempts, next_attempt_at, created_at)
    VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), dispute.partner_id,
            dispute.id, 'dispute.status_changed', moved_to, dispute.stage, NEW.at, NEW.id,
            'pending', 0, NEW.at, {created_at});
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0024_issue17")]

    initial = False

    operations: list = [
        ops.RunSQL([_trigger("NEW.at")], reverse_sql=[_trigger("now()")]),
    ]
