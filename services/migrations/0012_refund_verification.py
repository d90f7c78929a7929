"""issue 12 - verification stored whole, a refund stopped when nothing is due, recovery findings.

The new columns are nullable (null: not verified yet), so existing refunds need no default.
A stopped refund is DECLINED (an existing status); the recovery finding is an audit_findings
row with its own code; the customer's notice is a notices row: neither needs a column."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from services.refunds.kinds import ChargeCategory, Liability

LIABILITY = "COMPANY_LIABLE: company_liable\nNOT_LIABLE: not_liable"
CATEGORY = "\n".join(f"{c.name}: {c.value}" for c in ChargeCategory)


class Migration(migrations.Migration):
    dependencies = [("models", "0011_input_limits")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Refund",
            name="verification_refund_due",
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name="Refund",
            name="verification_liability",
            field=fields.CharEnumField(
                description=LIABILITY, enum_type=Liability, max_length=16, null=True
            ),
        ),
        ops.AddField(
            model_name="Refund",
            name="verification_charge_category",
            field=fields.CharEnumField(
                description=CATEGORY, enum_type=ChargeCategory, max_length=32, null=True
            ),
        ),
        ops.AddField(
            model_name="Refund",
            name="verification_charged_fen",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Refund",
            name="verification_should_have_charged_fen",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Refund",
            name="verification_due_fen",
            field=fields.IntField(null=True),
        ),
    ]
