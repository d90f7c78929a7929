from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from services.audit.models import FindingSource, FindingStatus, SampleMethod, TaskStatus, Verdict
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_partners')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.OneToOneField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='audit_check', on_delete=OnDelete.RESTRICT)),
                ('passed', fields.BooleanField()),
                ('finding_count', fields.SmallIntField(default=0)),
                ('basis', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('checked_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'audit_checks', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A-1: the automatic check of one executed refund (one row per refund: 100% coverage).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditSample',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('method', fields.CharEnumField(description='SIMPLE_RANDOM: simple_random\nSTRATIFIED_BAND: stratified_band\nSTRATIFIED_RISK: stratified_risk\nMONETARY_UNIT: monetary_unit', enum_type=SampleMethod, max_length=20)),
                ('seed', fields.BigIntField()),
                ('parameters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('population_count', fields.IntField()),
                ('population_fen', fields.BigIntField()),
                ('population_digest', fields.CharField(max_length=64)),
                ('refund_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_samples', 'app': 'models', 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'One draw of refunds for human review; seed + parameters reproduce it exactly.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CalendarChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.SmallIntField()),
                ('action', fields.CharField(max_length=16)),
                ('day', fields.DateField(null=True)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.TextField(unique=False)),
                ('changed_by', fields.ForeignKeyField('models.Staff', source_field='changed_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'calendar_changes', 'app': 'models', 'indexes': [Index(fields=['year', 'id'])], 'pk_attr': 'id', 'table_description': "One edit of the working-day calendar from the console: a year's exceptions before and"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SampleItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sample', fields.ForeignKeyField('models.AuditSample', source_field='sample_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('position', fields.SmallIntField()),
                ('stratum', fields.CharField(default='', max_length=32)),
                ('hits', fields.SmallIntField(default=1)),
                ('verdict', fields.CharEnumField(default=Verdict.PENDING, description='PENDING: pending\nCOMPLIANT: compliant\nNONCOMPLIANT: noncompliant', enum_type=Verdict, max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
                ('reviewed_by', fields.ForeignKeyField('models.Staff', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_sample_items', 'app': 'models', 'unique_together': (('sample', 'refund'),), 'indexes': [Index(fields=['sample_id', 'position'])], 'pk_attr': 'id', 'table_description': "A sampled refund and the auditor's verdict and note on it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditFinding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='audit_findings', on_delete=OnDelete.RESTRICT)),
                ('rule', fields.CharField(max_length=16)),
                ('code', fields.CharField(max_length=40)),
                ('params', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('source', fields.CharEnumField(description='AUTOMATIC: automatic\nREVIEW: review', enum_type=FindingSource, max_length=12)),
                ('sample_item', fields.ForeignKeyField('models.SampleItem', source_field='sample_item_id', null=True, db_constraint=True, to_field='id', related_name='findings', on_delete=OnDelete.RESTRICT)),
                ('note', fields.TextField(default='', unique=False)),
                ('responsible', fields.ForeignKeyField('models.Staff', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=FindingStatus.OPEN, description='OPEN: open\nCORRECTED: corrected\nDISMISSED: dismissed', enum_type=FindingStatus, max_length=12)),
                ('status_reason', fields.TextField(default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_findings', 'app': 'models', 'indexes': [Index(fields=['refund_id', 'code']), Index(fields=['created_at']), Index(fields=['status', 'id'])], 'pk_attr': 'id', 'table_description': 'A problem with one refund, naming the rule it breaks; corrected through a task (A-2).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CorrectionTask',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('finding', fields.OneToOneField('models.AuditFinding', source_field='finding_id', db_constraint=True, to_field='id', related_name='task', on_delete=OnDelete.CASCADE)),
                ('assignee', fields.ForeignKeyField('models.Staff', source_field='assignee_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('due_on', fields.DateField()),
                ('status', fields.CharEnumField(default=TaskStatus.OPEN, description='OPEN: open\nDONE: done', enum_type=TaskStatus, max_length=8)),
                ('cause', fields.TextField(default='', unique=False)),
                ('plan', fields.TextField(default='', unique=False)),
                ('resolution', fields.TextField(default='', unique=False)),
                ('done_by', fields.ForeignKeyField('models.Staff', source_field='done_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_correction_tasks', 'app': 'models', 'indexes': [Index(fields=['status', 'due_on']), Index(fields=['assignee_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A-2/A-3: the correction a finding asks of the person responsible: cause, plan, done.'},
            bases=['Model'],
        ),
    ]
