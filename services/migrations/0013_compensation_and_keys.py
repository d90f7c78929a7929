"""issue 12 - compensation once per invoice, cumulative gifts, special decisions, idempotency keys per actor.

Compensation: R-10's conditions as recorded (gift ground, visit day, outage cause, the problem
exposed), and the special decision of a demand beyond the rules (status, band, who decided).
A travel invoice is credited once per customer: a partial unique index on the normalised
invoice of travel fares not rejected. Invoices already claimed twice before this migration
keep their records; the later claims get ` DUP#<id>` appended so the index can be built and
an auditor can find them (`invoice_ref LIKE '% DUP#%'`).

Idempotency keys are unique per (scope, actor, key): another caller's key is another request.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from services.refunds.models import CompensationStatus, GiftGround, OutageCause


class AddFieldWithDefault(ops.AddField):
    """A NOT NULL column with a database default, so that existing rows get it (see 0006)."""

    def __init__(self, model_name, name, field, sql):
        super().__init__(model_name, name, field)
        self.run = ops.RunSQL(sql)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        await self.run.database_forward(app_label, old_state, new_state, state_editor)


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
            sql="ALTER TABLE \"compensations\" ADD COLUMN \"exposed_problem\" TEXT NOT NULL DEFAULT ''",
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="status",
            field=fields.CharEnumField(
                enum_type=CompensationStatus, default=CompensationStatus.RECORDED, max_length=20
            ),
            sql="ALTER TABLE \"compensations\" ADD COLUMN \"status\" VARCHAR(20) NOT NULL "
            "DEFAULT 'recorded'",
        ),
        AddFieldWithDefault(
            model_name="Compensation",
            name="special_reason",
            field=fields.TextField(default=""),
            sql="ALTER TABLE \"compensations\" ADD COLUMN \"special_reason\" TEXT NOT NULL DEFAULT ''",
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
            sql="ALTER TABLE \"compensations\" ADD COLUMN \"decision_note\" TEXT NOT NULL DEFAULT ''",
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
    ]
