"""Issue 10 - every year has a calendar: provisional years computed by rule, deadlines that say
they rest on one, and what a working-day deadline was counted from (to recompute it)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0008_audit")]

    operations = [
        ops.AddField(
            model_name="CalendarYear",
            name="provisional",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Deadline",
            name="provisional",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Deadline",
            name="counted_from",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Deadline",
            name="working_days",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Deadline",
            name="credited_days",
            field=fields.FloatField(default=0),
        ),
    ]
