"""issue 18 - notices by SMPP (receipts matched by message id) and by e-mail (C-9).

- notices: channel (sms | email), the e-mail address and subject, the SMS parts it went as;
  receipt gains `expired`.
- notice_messages: every message id a gateway gave for a notice (one per SMS part) and what its
  delivery receipt said; a receipt that arrives before its submit is recorded waits here.
- customers.email: where a customer who prefers e-mail is written to.
- A partial index for the sweep that flags SMS sent long ago with no receipt.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from services.notices.models import Channel, Receipt


class AddFieldWithDefault(ops.AddField):
    """A NOT NULL column with its default in SQL (the tables have rows); AddField's state."""

    def __init__(self, model_name, name, field, sql):
        super().__init__(model_name, name, field)
        self.run = ops.RunSQL(sql)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        await self.run.database_forward(app_label, old_state, new_state, state_editor)


RECEIPT = 'NONE: none\nDELIVERED: delivered\nUNDELIVERED: undelivered\nEXPIRED: expired'


class Migration(migrations.Migration):
    dependencies = [("models", "0018_analysis")]

    initial = False

    operations = [
        ops.CreateModel(
            name='NoticeMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('gateway', fields.CharField(max_length=16)),
                ('message_id', fields.CharField(max_length=64)),
                ('notice', fields.ForeignKeyField('models.Notice', source_field='notice_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('part', fields.SmallIntField(default=0)),
                ('receipt', fields.CharEnumField(default=Receipt.NONE, description=RECEIPT, enum_type=Receipt, max_length=12)),
                ('receipt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('detail', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'notice_messages', 'app': 'models', 'unique_together': (('gateway', 'message_id'),), 'indexes': [Index(fields=['notice_id', 'part'])], 'pk_attr': 'id', 'table_description': 'One message id a gateway gave for a notice (an SMS sent in parts has one per part), and'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Notice',
            name='receipt',
            field=fields.CharEnumField(default=Receipt.NONE, description=RECEIPT, enum_type=Receipt, max_length=12),
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='channel',
            field=fields.CharEnumField(default=Channel.SMS, description='SMS: sms\nEMAIL: email', enum_type=Channel, max_length=8),
            sql='ALTER TABLE "notices" ADD COLUMN "channel" VARCHAR(8) NOT NULL DEFAULT \'sms\'',
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='email',
            field=fields.CharField(default='', max_length=254),
            sql='ALTER TABLE "notices" ADD COLUMN "email" VARCHAR(254) NOT NULL DEFAULT \'\'',
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='subject',
            field=fields.CharField(default='', max_length=200),
            sql='ALTER TABLE "notices" ADD COLUMN "subject" VARCHAR(200) NOT NULL DEFAULT \'\'',
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='parts',
            field=fields.SmallIntField(default=0),
            sql='ALTER TABLE "notices" ADD COLUMN "parts" SMALLINT NOT NULL DEFAULT 0',
        ),
        AddFieldWithDefault(
            model_name='Customer',
            name='email',
            field=fields.CharField(default='', max_length=254),
            sql='ALTER TABLE "customers" ADD COLUMN "email" VARCHAR(254) NOT NULL DEFAULT \'\'',
        ),
        ops.RunSQL(
            [
                # the receipt sweep: SMS handed over, no receipt, nobody asked to look yet
                "CREATE INDEX notices_awaiting_receipt ON notices (sent_at) "
                "WHERE status = 'sent' AND receipt = 'none' AND flagged_at IS NULL",
            ],
            reverse_sql=["DROP INDEX IF EXISTS notices_awaiting_receipt"],
        ),
    ]
