"""issue 12 - compensation once per invoice, cumulative gifts, special decisions, idempotency keys per actor.

Compensation: R-10's conditions as recorded (gift ground, visit day, outage cause, the problem
exposed), and the special decision of a demand beyond the rules (status, band, who decided).
A travel invoice is credited once per customer: a partial unique index on the normalised
invoice of travel fares not rejected. Invoices already claimed twice before this migration
keep their records; the later claims get ` DUP#<id>` appended so the index can be built and
an auditor can find them (`invoice_ref LIKE '% DUP#%'`).

Idempotency keys are unique per (scope, actor, key): another caller's key is another request.

Partner disputes: what the partner sees is the dispute's own `stage` (open, refunded, refused),
kept by a new version of 0007's trigger on refund_events that writes an event only when the
stage moves, so a special customer's verification (R-9) shows as nothing (C-12). A dispute of
a number that is no customer's has no customer, complaint or refund (nullable now) and is
refused by the worker at `refuse_at`. Existing disputes and events are rewritten in stages.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from services.partners.models import DisputeStage
from services.refunds.models import CompensationStatus, GiftGround, OutageCause

# the partner's stage of a refund status, as 0013's trigger computes it
STAGE_OF = """CASE {status} WHEN 'executed' THEN 'refunded'
    WHEN 'verifying' THEN 'open' WHEN 'awaiting_approval' THEN 'open'
    WHEN 'awaiting_confirmation' THEN 'open' WHEN 'confirmed' THEN 'open'
    WHEN '' THEN '' ELSE 'refused' END"""


class AddFieldWithDefault(ops.AddField):
    """A NOT NULL column with a database default, so that existing rows get it (see 0006)."""

    def __init__(self, model_name, name, field, sql):
        super().__init__(model_name, name, field)
        self.run = ops.RunSQL(sql)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        await self.run.database_forward(app_label, old_state, new_state, state_editor)


class AlterFieldSQL(ops.AlterField):
    """A field change whose SQL is written out (dropping NOT NULL of a foreign key)."""

    def __init__(self, model_name, name, field, sql):
        super().__init__(model_name, name, field)
        self.run = ops.RunSQL(sql)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        await self.run.database_forward(app_label, old_state, new_state, state_editor)


def _nullable(name, model, related_name):
    return AlterFieldSQL(
        model_name="PartnerDispute",
        name=name,
        field=(fields.OneToOneField if related_name else fields.ForeignKeyField)(
            f"models.{model}",
            source_field=f"{name}_id",
            null=True,
            db_constraint=True,
            to_field="id",
            related_name=related_name or False,
            on_delete=OnDelete.RESTRICT,
        ),
        sql=f'ALTER TABLE "partner_disputes" ALTER COLUMN "{name}_id" DROP NOT NULL',
    )


PARTNER_STAGE_TRIGGER = f"""
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
            'pending', 0, NEW.at, now());
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0012_refund_verification")]

    operations: list = [
        ops.AddField(
            model_name="Compensation",
            name="gift_ground",
            field=fields.CharEnumField(enum_type=GiftGround, max_length=16, null=True),
        ),
        ops.AddField(
            model_name="Compensation",
            name="visited_on",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Compensation",
            name="outage_cause",
            field=fields.CharEnumField(enum_type=OutageCause, max_length=12, null=True),
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="exposed_problem",
            field=fields.TextField(default=""),
            sql='ALTER TABLE "compensations" ADD COLUMN "exposed_problem" TEXT NOT NULL DEFAULT \'\'',
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="status",
            field=fields.CharEnumField(
                enum_type=CompensationStatus, default=CompensationStatus.RECORDED, max_length=20
            ),
            sql='ALTER TABLE "compensations" ADD COLUMN "status" VARCHAR(20) NOT NULL '
            "DEFAULT 'recorded'",
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="special_reason",
            field=fields.TextField(default=""),
            sql='ALTER TABLE "compensations" ADD COLUMN "special_reason" TEXT NOT NULL DEFAULT \'\'',
        ),
        ops.AddField(
            model_name="Compensation",
            name="special_band",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Compensation",
            name="decided_by",
            field=fields.ForeignKeyField(
                "models.Staff",
                source_field="decided_by_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Compensation",
            name="decided_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="decision_note",
            field=fields.TextField(default=""),
            sql='ALTER TABLE "compensations" ADD COLUMN "decision_note" TEXT NOT NULL DEFAULT \'\'',
        ),
        ops.AddIndex(model_name="Compensation", index=Index(fields=["status", "id"])),
        ops.RunSQL(
            [
                """
                UPDATE compensations c SET invoice_ref = left(c.invoice_ref, 50) || ' DUP#' || c.id
                FROM compensations first
                WHERE c.kind = 'travel_fare' AND first.kind = 'travel_fare'
                  AND first.customer_id = c.customer_id AND first.invoice_ref = c.invoice_ref
                  AND first.id < c.id
                """,
                "CREATE UNIQUE INDEX compensations_one_invoice_per_customer "
                "ON compensations (customer_id, invoice_ref) "
                "WHERE kind = 'travel_fare' AND status <> 'rejected'",
                'ALTER TABLE "compensations" ADD CONSTRAINT "compensations_exposed_problem_length" '
                'CHECK (char_length("exposed_problem") <= 2000) NOT VALID',
                'ALTER TABLE "compensations" ADD CONSTRAINT "compensations_special_reason_length" '
                'CHECK (char_length("special_reason") <= 2000) NOT VALID',
                'ALTER TABLE "compensations" ADD CONSTRAINT "compensations_decision_note_length" '
                'CHECK (char_length("decision_note") <= 2000) NOT VALID',
            ],
            reverse_sql=[
                'ALTER TABLE "compensations" DROP CONSTRAINT "compensations_decision_note_length"',
                'ALTER TABLE "compensations" DROP CONSTRAINT "compensations_special_reason_length"',
                'ALTER TABLE "compensations" DROP CONSTRAINT "compensations_exposed_problem_length"',
                "DROP INDEX compensations_one_invoice_per_customer",
            ],
        ),
        ops.RemoveConstraint(model_name="IdempotencyKey", fields=["scope", "key"]),
        ops.AddConstraint(
            model_name="IdempotencyKey",
            constraint=UniqueConstraint(fields=("scope", "actor_id", "key")),
        ),
        _nullable("customer", "Customer", None),
        _nullable("complaint", "Complaint", "partner_dispute"),
        _nullable("refund", "Refund", "partner_dispute"),
        AddFieldWithDefault(
            model_name="PartnerDispute",
            name="msisdn",
            field=fields.CharField(default="", max_length=20),
            sql='ALTER TABLE "partner_disputes" ADD COLUMN "msisdn" VARCHAR(20) NOT NULL '
            "DEFAULT ''",
        ),
        AddFieldWithDefault(
            model_name="PartnerDispute",
            name="stage",
            field=fields.CharEnumField(
                enum_type=DisputeStage, default=DisputeStage.OPEN, max_length=12
            ),
            sql='ALTER TABLE "partner_disputes" ADD COLUMN "stage" VARCHAR(12) NOT NULL '
            "DEFAULT 'open'",
        ),
        ops.AddField(
            model_name="PartnerDispute",
            name="stage_changed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldWithDefault(
            model_name="PartnerDispute",
            name="quoted_fen",
            field=fields.IntField(default=0),
            sql='ALTER TABLE "partner_disputes" ADD COLUMN "quoted_fen" INT NOT NULL DEFAULT 0',
        ),
        ops.AddField(
            model_name="PartnerDispute",
            name="refuse_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name="PartnerDispute", index=Index(fields=["partner_id", "msisdn", "id"])
        ),
        ops.AddIndex(model_name="PartnerDispute", index=Index(fields=["refuse_at"])),
        ops.RunSQL(
            [
                f"""
                UPDATE partner_disputes d
                SET msisdn = c.msisdn, quoted_fen = r.refund_fen,
                    stage = {STAGE_OF.format(status="r.status")},
                    stage_changed_at = CASE WHEN r.status = 'executed' THEN r.executed_at
                        WHEN r.closed_at IS NOT NULL THEN r.closed_at ELSE d.created_at END
                FROM customers c, refunds r
                WHERE c.id = d.customer_id AND r.id = d.refund_id
                """,
                f"""
                UPDATE partner_webhook_events
                SET status = {STAGE_OF.format(status="status")},
                    previous_status = {STAGE_OF.format(status="previous_status")}
                """,
                PARTNER_STAGE_TRIGGER,
            ],
            reverse_sql=[],
        ),
    ]
