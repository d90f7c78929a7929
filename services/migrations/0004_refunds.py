from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from services.notices.models import NoticeStatus
from services.refunds.kinds import BusinessType, ChargeCategory, Flow, Liability, Multiple, RefundMethod
from services.refunds.models import ApprovalDecision, CompensationKind, FeeWaiver, LedgerKind, RefundStatus, Transport
from services.staff.models import Track
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_thresholds')]

    initial = False

    # ordered so every model's foreign-key targets exist before it (Tortoise 1.1 omits
    # the FK columns of a model created before its targets): Compensation and Refund first
    operations = [
        ops.CreateModel(
            name='Compensation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='compensations', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='compensations', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='FEE_WAIVER: fee_waiver\nGIFT: gift\nTRAVEL_FARE: travel_fare', enum_type=CompensationKind, max_length=16)),
                ('waiver', fields.CharEnumField(null=True, description='MISSED_CALL_ALERT_YEAR: missed_call_alert_year\nFUNCTION_FEE: function_fee', enum_type=FeeWaiver, max_length=24)),
                ('transport', fields.CharEnumField(null=True, description='COACH: coach\nTAXI: taxi\nMETRO: metro\nCITY_BUS: city_bus', enum_type=Transport, max_length=12)),
                ('value_fen', fields.IntField()),
                ('description', fields.TextField(unique=False)),
                ('service_code', fields.CharField(default='', max_length=64)),
                ('period_from', fields.DateField(null=True)),
                ('period_to', fields.DateField(null=True)),
                ('invoice_ref', fields.CharField(default='', max_length=64)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('recorded_by', fields.ForeignKeyField('models.Staff', source_field='recorded_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'compensations', 'app': 'models', 'indexes': [Index(fields=['complaint_id', 'id'])], 'pk_attr': 'id', 'table_description': 'R-10: a fee waiver, gift or travel fare, recorded on the complaint; never a refund.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(max_length=40)),
                ('key', fields.CharField(max_length=128)),
                ('actor_id', fields.IntField()),
                ('request_hash', fields.CharField(max_length=64)),
                ('result_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_keys', 'app': 'models', 'unique_together': (('scope', 'key'),), 'pk_attr': 'id', 'table_description': 'A money-moving request already handled: the same key and input get the first result.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('template', fields.CharField(max_length=40)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('msisdn', fields.CharField(max_length=11)),
                ('body', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=NoticeStatus.PENDING, description='PENDING: pending\nSENT: sent\nFAILED: failed', enum_type=NoticeStatus, max_length=12)),
                ('attempts', fields.SmallIntField(default=0)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notices', 'app': 'models', 'indexes': [Index(fields=['status', 'id'])], 'pk_attr': 'id', 'table_description': 'One message to one customer; `key` makes writing it twice impossible.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('requested_by', fields.ForeignKeyField('models.Staff', source_field='requested_by_id', db_constraint=True, to_field='id', related_name='requested_refunds', on_delete=OnDelete.RESTRICT)),
                ('track', fields.CharEnumField(description='BRANCH: branch\nSERVICE_CENTRE: service_centre', enum_type=Track, max_length=20)),
                ('business_type', fields.CharEnumField(description='SELF_OPERATED: self_operated\nPARTNER: partner\nSERVICE_ERROR: service_error', enum_type=BusinessType, max_length=16)),
                ('liability', fields.CharEnumField(description='COMPANY_LIABLE: company_liable\nNOT_LIABLE: not_liable', enum_type=Liability, max_length=16)),
                ('charge_category', fields.CharEnumField(description='CALL_RECORD_ERROR: call_record_error\nDUPLICATE_RECORD: duplicate_record\nWRONG_TIME_BAND: wrong_time_band\nFREE_NUMBER_CHARGED: free_number_charged\nDATA_NO_SESSION: data_no_session\nDATA_TYPE_MISBILLED: data_type_misbilled\nVAS_COUNT_OR_CHANNEL_ERROR: vas_count_or_channel_error\nINFORMATION_FEE_ERROR: information_fee_error\nMMS_GPRS_TRAFFIC: mms_gprs_traffic\nDISCOUNT_NOT_APPLIED: discount_not_applied\nSERVICE_UNUSABLE: service_unusable\nUNKNOWING_SUBSCRIPTION: unknowing_subscription\nSERVICE_ERROR: service_error\nGOODWILL: goodwill\nOTHER: other', enum_type=ChargeCategory, max_length=32)),
                ('matter', fields.CharField(max_length=200)),
                ('cause', fields.TextField(default='', unique=False)),
                ('border_roaming', fields.BooleanField(default=False)),
                ('sp_code', fields.CharField(default='', max_length=32)),
                ('service_code', fields.CharField(default='', max_length=64)),
                ('quick', fields.BooleanField(default=False)),
                ('charged_fen', fields.IntField()),
                ('should_have_charged_fen', fields.IntField()),
                ('overcharge_fen', fields.IntField()),
                ('refund_fen', fields.IntField()),
                ('multiple', fields.CharEnumField(description='SINGLE: single\nDOUBLE: double', enum_type=Multiple, max_length=8)),
                ('method', fields.CharEnumField(description='ACCOUNT_CREDIT: account_credit\nBILL_ADJUSTMENT: bill_adjustment\nCASH: cash', enum_type=RefundMethod, max_length=16)),
                ('cash_exception_reason', fields.TextField(default='', unique=False)),
                ('flow', fields.CharEnumField(description='REFUND_FIRST: refund_first\nVERIFY_FIRST: verify_first', enum_type=Flow, max_length=16)),
                ('flow_clause', fields.CharField(max_length=8)),
                ('band', fields.SmallIntField()),
                ('special_customer', fields.BooleanField(default=False)),
                ('vip', fields.BooleanField(default=False)),
                ('cause_unknown_on_spot', fields.BooleanField(default=False)),
                ('first_refund', fields.BooleanField(default=False)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(description='VERIFYING: verifying\nAWAITING_APPROVAL: awaiting_approval\nAWAITING_CONFIRMATION: awaiting_confirmation\nCONFIRMED: confirmed\nEXECUTED: executed\nREJECTED: rejected\nDECLINED: declined\nCANCELLED: cancelled', enum_type=RefundStatus, max_length=24)),
                ('approval_round', fields.SmallIntField(default=1)),
                ('verified_by', fields.ForeignKeyField('models.Staff', source_field='verified_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verification_cause', fields.TextField(default='', unique=False)),
                ('verification_measures', fields.TextField(default='', unique=False)),
                ('approved_by', fields.ForeignKeyField('models.Staff', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('confirmation_note', fields.TextField(default='', unique=False)),
                ('executed_by', fields.ForeignKeyField('models.Staff', source_field='executed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('executed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_reason', fields.TextField(default='', unique=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verify_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('agree_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('execute_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'refunds', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'executed_at']), Index(fields=['customer_id', 'created_at']), Index(fields=['complaint_id', 'id']), Index(fields=['status', 'track', 'band']), Index(fields=['status', 'id']), Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'A refund work order; it always belongs to a complaint (R-1).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='ACCOUNT_CREDIT: account_credit\nBILL_ADJUSTMENT: bill_adjustment\nCASH: cash\nTRAVEL_FARE: travel_fare', enum_type=LedgerKind, max_length=16)),
                ('amount_fen', fields.IntField()),
                ('applies_on', fields.DateField()),
                ('refund', fields.OneToOneField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entry', on_delete=OnDelete.RESTRICT)),
                ('compensation', fields.OneToOneField('models.Compensation', source_field='compensation_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entry', on_delete=OnDelete.RESTRICT)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_ledger', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Money credited to a customer; at most one entry per refund and per compensation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefundApproval',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='approvals', on_delete=OnDelete.RESTRICT)),
                ('round', fields.SmallIntField()),
                ('approver', fields.ForeignKeyField('models.Staff', source_field='approver_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('decision', fields.CharEnumField(description='APPROVED: approved\nREJECTED: rejected', enum_type=ApprovalDecision, max_length=12)),
                ('band', fields.SmallIntField()),
                ('approver_band', fields.SmallIntField()),
                ('track', fields.CharEnumField(description='BRANCH: branch\nSERVICE_CENTRE: service_centre', enum_type=Track, max_length=20)),
                ('amount_fen', fields.IntField()),
                ('reason', fields.TextField(default='', unique=False)),
                ('decided_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refund_approvals', 'app': 'models', 'unique_together': (('refund', 'round'),), 'pk_attr': 'id', 'table_description': "One approver's decision (R-12); one per refund and approval round."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefundEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('actor', fields.ForeignKeyField('models.Staff', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('action', fields.CharField(max_length=40)),
                ('from_status', fields.CharField(default='', max_length=24)),
                ('to_status', fields.CharField(default='', max_length=24)),
                ('reason', fields.TextField(default='', unique=False)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'refund_events', 'app': 'models', 'indexes': [Index(fields=['refund_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Append-only history of a refund: who, when, what, from → to, why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefundLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('description', fields.CharField(max_length=200)),
                ('service_code', fields.CharField(default='', max_length=64)),
                ('sp_code', fields.CharField(default='', max_length=32)),
                ('billed_on', fields.DateField(null=True)),
                ('charged_fen', fields.IntField()),
            ],
            options={'table': 'refund_lines', 'app': 'models', 'indexes': [Index(fields=['refund_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A billed charge the handler picked for a quick refund (R-11).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RiskProfile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.OneToOneField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='risk_profile', on_delete=OnDelete.RESTRICT)),
                ('special', fields.BooleanField(default=False)),
                ('since', fields.DateField(null=True)),
                ('leaves_on', fields.DateField(null=True)),
                ('left_on', fields.DateField(null=True)),
                ('triggered_by', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('trigger_figures', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('computed_on', fields.DateField()),
                ('last_refund_id', fields.IntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'risk_profiles', 'app': 'models', 'pk_attr': 'id', 'table_description': "K-1..K-3: the customer's place on the special-customer list, kept current by execution."},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                """
                CREATE FUNCTION refund_events_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION 'refund history is append-only';
                END;
                $$ LANGUAGE plpgsql
                """,
                """
                CREATE TRIGGER refund_events_no_update_delete
                BEFORE UPDATE OR DELETE ON "refund_events"
                FOR EACH ROW EXECUTE FUNCTION refund_events_append_only()
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER refund_events_no_update_delete ON "refund_events"',
                "DROP FUNCTION refund_events_append_only()",
            ],
        ),
    ]
