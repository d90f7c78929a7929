from tortoise import migrations
from tortoise.migrations import operations as ops
from services.notices.models import AttemptOutcome, NoticeStatus, Receipt
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class AddFieldWithDefault(ops.AddField):
    """Tortoise adds a NOT NULL column without a database default, which fails on a table that
    already has rows (notices written by refunds since 0004): add the column with its default in
    SQL; the migration state is AddField's."""

    def __init__(self, model_name, name, field, sql):
        super().__init__(model_name, name, field)
        self.run = ops.RunSQL(sql)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        await self.run.database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0005_deadlines_tasks_supervision')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NoticeAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notice', fields.ForeignKeyField('models.Notice', source_field='notice_id', db_constraint=True, to_field='id', related_name='attempt_log', on_delete=OnDelete.CASCADE)),
                ('number', fields.SmallIntField()),
                ('gateway', fields.CharField(max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharEnumField(default=AttemptOutcome.STARTED, description='STARTED: started\nSENT: sent\nTRANSIENT: transient\nPERMANENT: permanent\nLOST: lost', enum_type=AttemptOutcome, max_length=12)),
                ('code', fields.CharField(default='', max_length=32)),
                ('message_id', fields.CharField(default='', max_length=64)),
                ('error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'notice_attempts', 'app': 'models', 'unique_together': (('notice_id', 'number'),), 'pk_attr': 'id', 'table_description': 'One try at handing a notice to a gateway: when, which gateway, what it answered.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NoticeTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=40)),
                ('version', fields.SmallIntField()),
                ('body', fields.TextField(unique=False)),
                ('reason', fields.TextField(default='', unique=False)),
                ('changed_by', fields.ForeignKeyField('models.Staff', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notice_templates', 'app': 'models', 'unique_together': (('kind', 'version'),), 'pk_attr': 'id', 'table_description': 'A version of a notice text; the highest version of a kind is the one in use.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Notice',
            name='status',
            field=fields.CharEnumField(default=NoticeStatus.PENDING, description='PENDING: pending\nSENT: sent\nFAILED: failed\nCANCELLED: cancelled', enum_type=NoticeStatus, max_length=12),
        ),
        ops.AddField(
            model_name='Notice',
            name='complaint',
            field=fields.ForeignKeyField('models.Complaint', source_field='complaint_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Notice',
            name='flagged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='gateway',
            field=fields.CharField(default='', max_length=16),
            sql='ALTER TABLE "notices" ADD COLUMN "gateway" VARCHAR(16) NOT NULL DEFAULT \'\'',
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='gateway_message_id',
            field=fields.CharField(default='', max_length=64),
            sql='ALTER TABLE "notices" ADD COLUMN "gateway_message_id" VARCHAR(64) NOT NULL DEFAULT \'\'',
        ),
        ops.AddField(
            model_name='Notice',
            name='lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notice',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notice',
            name='not_before',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='receipt',
            field=fields.CharEnumField(default=Receipt.NONE, description='NONE: none\nDELIVERED: delivered\nUNDELIVERED: undelivered', enum_type=Receipt, max_length=12),
            sql='ALTER TABLE "notices" ADD COLUMN "receipt" VARCHAR(12) NOT NULL DEFAULT \'none\'',
        ),
        ops.AddField(
            model_name='Notice',
            name='receipt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notice',
            name='refund',
            field=fields.ForeignKeyField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT),
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='template_version',
            field=fields.SmallIntField(default=0),
            sql='ALTER TABLE "notices" ADD COLUMN "template_version" SMALLINT NOT NULL DEFAULT 0',
        ),
        AddFieldWithDefault(
            model_name='Notice',
            name='urgent',
            field=fields.BooleanField(default=False),
            sql='ALTER TABLE "notices" ADD COLUMN "urgent" BOOLEAN NOT NULL DEFAULT FALSE',
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['status', 'next_attempt_at']),
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['complaint_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['refund_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['gateway_message_id']),
        ),
        # notices written before delivery existed are due at once
        ops.RunSQL(
            'UPDATE "notices" SET "not_before" = "created_at", "next_attempt_at" = "created_at" '
            'WHERE "next_attempt_at" IS NULL',
            reverse_sql='SELECT 1',
        ),
    ]
