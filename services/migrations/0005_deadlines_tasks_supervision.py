from tortoise import migrations
from tortoise.migrations import operations as ops
from services.complaints.models import DeadlineKind, TaskKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_refunds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ComplaintTask',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='REFUND: refund\nREPAIR: repair\nTRAINING: training\nPROCESS_FIX: process_fix\nOTHER: other', enum_type=TaskKind, max_length=16)),
                ('title', fields.CharField(max_length=200)),
                ('owner', fields.ForeignKeyField('models.Staff', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_note', fields.TextField(default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'complaint_tasks', 'app': 'models', 'indexes': [Index(fields=['complaint_id', 'id']), Index(fields=['owner_id', 'done_at'])], 'pk_attr': 'id', 'table_description': 'One piece of a solution (C-8): refund, repair, staff training … with owner and due date.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('models.Staff', source_field='recipient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=40)),
                ('key', fields.CharField(max_length=80)),
                ('message', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'models', 'unique_together': (('recipient', 'key'),), 'indexes': [Index(fields=['recipient_id', 'read_at', 'id'])], 'pk_attr': 'id', 'table_description': 'Something a member of staff must know: a breached deadline, an escalation (C-5, C-7).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SupervisedMatter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('matter_key', fields.CharField(unique=True, max_length=200)),
                ('complaints_at_flag', fields.IntField()),
                ('flagged_by_complaint_id', fields.IntField()),
                ('flagged_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'supervised_matters', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A matter complained about again and again, under supervised handling (督办, C-10).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Complaint',
            name='paused_reason',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Complaint',
            name='paused_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Complaint',
            name='plan_extended',
            field=fields.BooleanField(default=False),
        ),
        ops.AlterField(
            model_name='Deadline',
            name='kind',
            field=fields.CharEnumField(description='ACKNOWLEDGE: acknowledge\nINITIAL_PLAN: initial_plan\nRESULT_FEEDBACK: result_feedback\nREVISIT_OPENS: revisit_opens\nREVISIT_CLOSES: revisit_closes\nPROMISE: promise\nDEPARTMENT_FEEDBACK: department_feedback', enum_type=DeadlineKind, max_length=20),
        ),
    ]
