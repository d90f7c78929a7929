"""issue 13 - C-10 supervision by repeat complaints, with an owner and an end (helper A).

- supervised_matters holds periods of supervised handling: a matter may be supervised again
  after a period ended, so matter_key is no longer unique; at most one OPEN period per matter
  (a partial unique index). Each period records its cause (repeat complaints of one customer,
  or an A-3 rectification), why, who owns it, who started it, and when, why and by whom it
  ended. Rows stored before this migration are open periods started by the old count.
- C-3 batch marks need no new column: marks are complaint_urgencies rows, their adding and
  withdrawal complaint_events rows.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from services.complaints.models import SupervisionCause


def _staff(source: str) -> fields.ForeignKeyField:
    return fields.ForeignKeyField(
        "models.Staff",
        source_field=source,
        null=True,
        db_constraint=True,
        to_field="id",
        related_name=False,
        on_delete=OnDelete.RESTRICT,
    )


def _cause(*, null: bool) -> fields.CharEnumField:
    return fields.CharEnumField(
        default=SupervisionCause.REPEAT_COMPLAINTS,
        description="REPEAT_COMPLAINTS: repeat_complaints\nRECTIFICATION: rectification",
        enum_type=SupervisionCause,
        max_length=20,
        null=null,
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0014_refund_deadlines_and_rechecks")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="SupervisedMatter",
            options={
                "table": "supervised_matters",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One period of supervised handling (督办, C-10) of a matter: who owns it, why it started,",
            },
        ),
        ops.AlterField(
            model_name="SupervisedMatter",
            name="flagged_by_complaint_id",
            field=fields.IntField(null=True),
        ),
        ops.AlterField(
            model_name="SupervisedMatter",
            name="matter_key",
            field=fields.CharField(db_index=True, max_length=200),
        ),
        ops.AlterField(
            model_name="SupervisedMatter",
            name="complaints_at_flag",
            field=fields.IntField(default=0),
        ),
        # NOT NULL columns on a table that may hold rows: added nullable, filled, then NOT NULL
        ops.AddField(model_name="SupervisedMatter", name="cause", field=_cause(null=True)),
        ops.AddField(
            model_name="SupervisedMatter",
            name="reason",
            field=fields.TextField(default="", null=True),
        ),
        ops.AddField(
            model_name="SupervisedMatter", name="customer_id", field=fields.IntField(null=True)
        ),
        ops.AddField(model_name="SupervisedMatter", name="owner", field=_staff("owner_id")),
        ops.AddField(
            model_name="SupervisedMatter", name="started_by", field=_staff("started_by_id")
        ),
        ops.AddField(
            model_name="SupervisedMatter",
            name="ended_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="SupervisedMatter",
            name="end_reason",
            field=fields.TextField(default="", null=True),
        ),
        ops.AddField(model_name="SupervisedMatter", name="ended_by", field=_staff("ended_by_id")),
        ops.AddField(
            model_name="SupervisedMatter",
            name="ended_by_complaint_id",
            field=fields.IntField(null=True),
        ),
        ops.RunSQL(
            [
                "UPDATE supervised_matters SET cause = 'repeat_complaints', end_reason = '', "
                "reason = 'complaint number ' || complaints_at_flag "
                "|| ' on this matter (counted before issue 13)'",
                "CREATE UNIQUE INDEX supervised_matters_one_open ON supervised_matters "
                "(matter_key) WHERE ended_at IS NULL",
            ],
            reverse_sql=["DROP INDEX IF EXISTS supervised_matters_one_open"],
        ),
        ops.AlterField(model_name="SupervisedMatter", name="cause", field=_cause(null=False)),
        ops.AlterField(
            model_name="SupervisedMatter", name="reason", field=fields.TextField(default="")
        ),
        ops.AlterField(
            model_name="SupervisedMatter", name="end_reason", field=fields.TextField(default="")
        ),
    ]
