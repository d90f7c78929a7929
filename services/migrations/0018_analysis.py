"""issue 16 - C-11 monthly analysis and A-3 rectification.

- root_causes: the maintained taxonomy of root causes, each owned by a department.
- complaint_root_causes: the root cause recorded when a complaint is resolved.
- rectifications (+ rectification_events): A-3, one open rectification per problem (a partial
  unique index).
- analysis_rollups: a month's figures per scope, kept by the worker (C-11 reads stay fast).
- indexes the month's aggregates read by: deadlines by due time, history by action and time.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from services.analysis.models import CauseGroup, OpenedBy, ProblemKind, RectificationStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0017_assist")]

    initial = False

    operations = [
        ops.CreateModel(
            name='RootCause',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=100)),
                ('group', fields.CharEnumField(description='NETWORK: network\nBILLING_SYSTEM: billing_system\nPARTNER_SP: partner_sp\nSTAFF: staff\nPROCESS: process\nPRODUCT_RULE: product_rule\nCUSTOMER_SIDE: customer_side\nOTHER: other', enum_type=CauseGroup, max_length=16)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'root_causes', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One entry of the root-cause taxonomy; admins add, rename, re-own or retire entries.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintRootCause',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.OneToOneField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='root_cause', on_delete=OnDelete.CASCADE)),
                ('cause', fields.ForeignKeyField('models.RootCause', source_field='cause_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('matter_key', fields.CharField(max_length=200)),
                ('recorded_by', fields.ForeignKeyField('models.Staff', source_field='recorded_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('fixed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'complaint_root_causes', 'app': 'models', 'indexes': [Index(fields=['recorded_at']), Index(fields=['cause_id', 'matter_key', 'recorded_at'])], 'pk_attr': 'id', 'table_description': "The root cause recorded when a complaint was resolved (the latest resolution's)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rectification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('problem_kind', fields.CharEnumField(description='ROOT_CAUSE: root_cause\nAUDIT_FINDING: audit_finding', enum_type=ProblemKind, max_length=16)),
                ('problem_key', fields.CharField(max_length=260)),
                ('cause', fields.ForeignKeyField('models.RootCause', source_field='cause_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('matter_key', fields.CharField(default='', max_length=200)),
                ('finding_rule', fields.CharField(default='', max_length=16)),
                ('finding_code', fields.CharField(default='', max_length=40)),
                ('opened_by', fields.CharEnumField(description='REPEATS: repeats\nAUDITOR: auditor', enum_type=OpenedBy, max_length=12)),
                ('reason', fields.TextField(default='')),
                ('complaints_at_opening', fields.IntField(default=0)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('owner', fields.ForeignKeyField('models.Staff', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=RectificationStatus.OPEN, description='OPEN: open\nPLANNED: planned\nCHECKED: checked\nCLOSED: closed', enum_type=RectificationStatus, max_length=12)),
                ('plan', fields.TextField(default='')),
                ('due_on', fields.DateField()),
                ('check_result', fields.TextField(default='')),
                ('checked_by', fields.ForeignKeyField('models.Staff', source_field='checked_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.Staff', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('supervised_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('overdue_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'rectifications', 'app': 'models', 'indexes': [Index(fields=['status', 'due_on']), Index(fields=['opened_at'])], 'pk_attr': 'id', 'table_description': 'A-3: the rectification of one problem, from opening to its checked, closed result.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RectificationEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rectification', fields.ForeignKeyField('models.Rectification', source_field='rectification_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Staff', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('action', fields.CharField(max_length=40)),
                ('note', fields.TextField(default='')),
            ],
            options={'table': 'rectification_events', 'app': 'models', 'indexes': [Index(fields=['rectification_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Append-only history of a rectification: who did what, when, why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AnalysisRollup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('month', fields.DateField()),
                ('scope', fields.CharField(max_length=64)),
                ('payload', fields.JSONField()),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'analysis_rollups', 'app': 'models', 'unique_together': (('month', 'scope'),), 'pk_attr': 'id', 'table_description': 'A month\'s analysis for one scope, kept by the worker so reads stay fast as history grows (C-11).'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                "CREATE UNIQUE INDEX rectifications_one_open ON rectifications (problem_key) "
                "WHERE status <> 'closed'",
                # the month's aggregates read these columns from the index alone (C-11)
                "CREATE INDEX complaint_deadlines_due_at ON complaint_deadlines (due_at) "
                "INCLUDE (kind, state, complaint_id)",
                "CREATE INDEX complaints_created_at_cover ON complaints (created_at) "
                "INCLUDE (category, channel, status, department_id, province, city)",
                "CREATE INDEX complaint_events_action_at ON complaint_events (action, at)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS complaint_events_action_at",
                "DROP INDEX IF EXISTS complaints_created_at_cover",
                "DROP INDEX IF EXISTS complaint_deadlines_due_at",
                "DROP INDEX IF EXISTS rectifications_one_open",
            ],
        ),
    ]
