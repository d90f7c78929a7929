"""issue 12 - R-13 deadlines enforced, audit re-checks until terminal, K-1 profile recompute runs.

- refund_deadlines: what became of each R-13 limit of a refund (met, met late, breached,
  waived); at most one pending row per refund and kind (a partial unique index).
- audit_checks.settled_at: A-1 re-checks a refund until it settles. Checks stored before this
  migration were of executed refunds; those of verify-first or verified refunds are settled
  now, the rest (refund first, not yet verified) are re-checked by the worker.
- risk_recompute_runs: one recompute of the stored K-1 profiles per thresholds version.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from services.refunds.deadline_models import RefundDeadlineKind, RefundDeadlineState
from services.refunds.risk_models import RecomputeStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0013_compensation_and_keys")]

    initial = False

    operations = [
        ops.CreateModel(
            name='RefundDeadline',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='VERIFY: verify\nAGREE: agree\nEXECUTE: execute', enum_type=RefundDeadlineKind, max_length=12)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=RefundDeadlineState.PENDING, description='PENDING: pending\nMET: met\nMET_LATE: met_late\nBREACHED: breached\nWAIVED: waived', enum_type=RefundDeadlineState, max_length=12)),
                ('met_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('breached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refund_deadlines', 'app': 'models', 'unique_together': (('refund', 'kind', 'due_at'),), 'indexes': [Index(fields=['state', 'due_at']), Index(fields=['refund_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One R-13 limit of one refund; at most one pending row per refund and kind.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RiskRecomputeRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('threshold_version', fields.IntField(unique=True)),
                ('status', fields.CharEnumField(default=RecomputeStatus.RUNNING, description='RUNNING: running\nDONE: done\nSUPERSEDED: superseded', enum_type=RecomputeStatus, max_length=12)),
                ('total', fields.IntField()),
                ('done', fields.IntField(default=0)),
                ('changed', fields.IntField(default=0)),
                ('last_customer_id', fields.IntField(default=0)),
                ('batches', fields.IntField(default=0)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'risk_recompute_runs', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One recompute of the stored profiles under one version of the K-1 thresholds.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuditCheck',
            name='settled_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            [
                "CREATE UNIQUE INDEX refund_deadlines_one_pending ON refund_deadlines "
                "(refund_id, kind) WHERE state = 'pending'",
                "CREATE INDEX audit_checks_unsettled ON audit_checks (checked_at, refund_id) "
                "WHERE settled_at IS NULL",
                "UPDATE audit_checks c SET settled_at = c.checked_at FROM refunds r "
                "WHERE r.id = c.refund_id AND (r.flow = 'verify_first' OR r.verified_at IS NOT NULL)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS audit_checks_unsettled",
                "DROP INDEX IF EXISTS refund_deadlines_one_pending",
            ],
        ),
    ]
