"""issue 12 - a partner sees a dispute's outcome no earlier than its release time (C-12, R-9).

`partner_disputes.release_at`: when the partner may see the outcome (services.partners.release),
set at submission; NULL for disputes submitted before (their outcomes were shown already and
stay so). The trigger on refund_events (0013, 0025) still moves the dispute's stage when the
refund reaches its outcome, but stamps the partner's `dispute.status_changed` event with the
time the partner may see it, GREATEST(the refund event's time, release_at), as both its
`occurred_at` and its first `next_attempt_at`: the relay does not send it earlier, and its 24
hours of retries run from then.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# the partner's stage of a refund status, as 0013's trigger computes it
STAGE_OF = """CASE {status} WHEN 'executed' THEN 'refunded'
    WHEN 'verifying' THEN 'open' WHEN 'awaiting_approval' THEN 'open'
    WHEN 'awaiting_confirmation' THEN 'open' WHEN 'confirmed' THEN 'open'
    WHEN '' THEN '' ELSE 'refused' END"""


def _trigger(shown_at: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION partner_dispute_status_event() RETURNS trigger AS $$
DECLARE
    dispute partner_disputes%ROWTYPE;
    moved_to text := {STAGE_OF.format(status="NEW.to_status")};
    shown_at timestamptz;
BEGIN
    SELECT * INTO dispute FROM partner_disputes WHERE refund_id = NEW.refund_id FOR UPDATE;
    IF NOT FOUND OR dispute.stage = moved_to THEN
        RETURN NULL;
    END IF;
    shown_at := {shown_at};
    UPDATE partner_disputes SET stage = moved_to, stage_changed_at = NEW.at
    WHERE id = dispute.id;
    -- every NOT NULL column explicitly: Tortoise defaults are not column defaults
    INSERT INTO partner_webhook_events
        (event_id, partner_id, dispute_id, type, status, previous_status, occurred_at,
         refund_event_id, state, attempts, next_attempt_at, created_at)
    VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), dispute.partner_id,
            dispute.id, 'dispute.status_changed', moved_to, dispute.stage, shown_at, NEW.id,
            'pending', 0, shown_at, NEW.at);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0025_issue10")]

    initial = False

    operations: list = [
        ops.AddField(
            model_name="PartnerDispute",
            name="release_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            [_trigger("GREATEST(NEW.at, COALESCE(dispute.release_at, NEW.at))")],
            reverse_sql=[_trigger("NEW.at")],
        ),
    ]
