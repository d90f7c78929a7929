from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from services.complaints.models import Category, Channel, ContactPreference, DeadlineKind, DeadlineState, Severity, Status, UrgencyReason, WarningColour
from services.customers.models import CreditStanding, CustomerStatus, Tier
from services.staff.models import Track
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    # ordered so every model's foreign-key targets exist before it (Tortoise 1.1 omits
    # the FK columns of a model created before its targets)
    operations = [
        ops.CreateModel(
            name='CalendarDay',
            fields=[
                ('day', fields.DateField(primary_key=True, unique=True, db_index=True)),
                ('is_workday', fields.BooleanField()),
                ('name', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'calendar_days', 'app': 'models', 'pk_attr': 'day', 'table_description': 'A public holiday on a weekday (is_workday False) or a weekend made a working day (调休).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CalendarYear',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.SmallIntField(unique=True)),
                ('source', fields.CharField(max_length=64)),
                ('loaded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'calendar_years', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A year whose exceptions are known; a year without a row has no calendar (an error).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('msisdn', fields.CharField(unique=True, max_length=11)),
                ('name', fields.CharField(max_length=100)),
                ('tier', fields.CharEnumField(default=Tier.ORDINARY, description='ORDINARY: ordinary\nMID_HIGH_END: mid_high_end\nGOLD_AND_ABOVE: gold_and_above\nGROUP_CONTACT: group_contact\nGOVERNMENT_CONTACT: government_contact', enum_type=Tier, max_length=24)),
                ('province', fields.CharField(max_length=32)),
                ('city', fields.CharField(max_length=32)),
                ('joined_on', fields.DateField()),
                ('credit_standing', fields.CharEnumField(default=CreditStanding.NORMAL, description='GOOD: good\nNORMAL: normal\nPOOR: poor', enum_type=CreditStanding, max_length=12)),
                ('status', fields.CharEnumField(default=CustomerStatus.ACTIVE, description='ACTIVE: active\nCANCELLED: cancelled', enum_type=CustomerStatus, max_length=12)),
                ('cancelled_on', fields.DateField(null=True)),
                ('sensitive', fields.BooleanField(default=False)),
                ('sensitive_reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customers', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'departments', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(max_length=100)),
                ('password_hash', fields.CharField(max_length=255)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('track', fields.CharEnumField(default=Track.BRANCH, description='BRANCH: branch\nSERVICE_CENTRE: service_centre', enum_type=Track, max_length=20)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.SET_NULL)),
                ('is_department_head', fields.BooleanField(default=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff', 'app': 'models', 'indexes': [Index(fields=['department_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.RESTRICT)),
                ('contact_name', fields.CharField(max_length=100)),
                ('contact_phone', fields.CharField(max_length=20)),
                ('contact_preference', fields.CharEnumField(default=ContactPreference.SMS, description='SMS: sms\nPHONE: phone\nEMAIL: email\nLETTER: letter', enum_type=ContactPreference, max_length=12)),
                ('channel', fields.CharEnumField(description='HOTLINE: hotline\nSTORE: store\nCUSTOMER_MANAGER: customer_manager\nAPP_WEB: app_web\nSOCIAL_MEDIA: social_media\nLETTER_FAX: letter_fax\nVISIT: visit\nABOVE_LEVEL: above_level', enum_type=Channel, max_length=20)),
                ('category', fields.CharEnumField(description='TARIFF_DISPUTE: tariff_dispute\nBILLING_ERROR: billing_error\nNETWORK_FAULT: network_fault\nVALUE_ADDED_SERVICE: value_added_service\nSTAFF_ATTITUDE: staff_attitude\nSERVICE_HANDLING: service_handling\nBROADBAND: broadband\nOTHER: other', enum_type=Category, max_length=24)),
                ('service_code', fields.CharField(default='', max_length=64)),
                ('sp_code', fields.CharField(default='', max_length=32)),
                ('province', fields.CharField(max_length=32)),
                ('city', fields.CharField(max_length=32)),
                ('occurred_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('staff_involved', fields.CharField(default='', max_length=200)),
                ('summary', fields.TextField(unique=False)),
                ('details', fields.TextField(default='', unique=False)),
                ('customer_request', fields.TextField(unique=False)),
                ('matter_key', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=Status.RECEIVED, description='RECEIVED: received\nACKNOWLEDGED: acknowledged\nINVESTIGATING: investigating\nPLAN_PROPOSED: plan_proposed\nRESOLVING: resolving\nRESOLVED: resolved\nREVISITED: revisited\nARCHIVED: archived', enum_type=Status, max_length=16)),
                ('severity', fields.CharEnumField(default=Severity.MINOR, description='MINOR: minor\nMODERATE: moderate\nMAJOR: major', enum_type=Severity, max_length=12)),
                ('warning_colour', fields.CharEnumField(default=WarningColour.BLUE, description='BLUE: blue\nYELLOW: yellow\nRED: red', enum_type=WarningColour, max_length=8)),
                ('first_handler', fields.ForeignKeyField('models.Staff', source_field='first_handler_id', db_constraint=True, to_field='id', related_name='first_handled_complaints', on_delete=OnDelete.RESTRICT)),
                ('owner', fields.ForeignKeyField('models.Staff', source_field='owner_id', db_constraint=True, to_field='id', related_name='owned_complaints', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.SET_NULL)),
                ('plan', fields.TextField(default='', unique=False)),
                ('result_cause', fields.TextField(default='', unique=False)),
                ('result_solution', fields.TextField(default='', unique=False)),
                ('result_prevention', fields.TextField(default='', unique=False)),
                ('revisit_satisfied', fields.BooleanField(null=True)),
                ('revisit_note', fields.TextField(default='', unique=False)),
                ('reopen_count', fields.SmallIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('investigation_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('plan_proposed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revisited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('archived_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'complaints', 'app': 'models', 'indexes': [Index(fields=['status', 'id']), Index(fields=['owner_id', 'id']), Index(fields=['department_id', 'id']), Index(fields=['customer_id', 'matter_key', 'archived_at']), Index(fields=['matter_key', 'created_at']), Index(fields=['created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('actor', fields.ForeignKeyField('models.Staff', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('action', fields.CharField(max_length=40)),
                ('field', fields.CharField(default='', max_length=40)),
                ('from_value', fields.TextField(default='', unique=False)),
                ('to_value', fields.TextField(default='', unique=False)),
                ('reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'complaint_events', 'app': 'models', 'indexes': [Index(fields=['complaint_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Append-only history: one row per change (who, when, what, from → to, why).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintUrgency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='urgencies', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharEnumField(description='MAJOR: major\nOVER_LEVEL: over_level\nBATCH: batch\nREPEAT: repeat\nESCALATED: escalated\nCROSS_REGION: cross_region\nIMPORTANT_CUSTOMER: important_customer\nSENSITIVE_CUSTOMER: sensitive_customer', enum_type=UrgencyReason, max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('evidence', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('set_by', fields.ForeignKeyField('models.Staff', source_field='set_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'complaint_urgencies', 'app': 'models', 'unique_together': (('complaint', 'reason'),), 'indexes': [Index(fields=['reason', 'complaint_id'])], 'pk_attr': 'id', 'table_description': 'One urgency reason of a complaint (C-3), with who or what set it and the evidence.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Deadline',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='ACKNOWLEDGE: acknowledge\nINITIAL_PLAN: initial_plan\nRESULT_FEEDBACK: result_feedback\nREVISIT_OPENS: revisit_opens\nREVISIT_CLOSES: revisit_closes\nPROMISE: promise', enum_type=DeadlineKind, max_length=20)),
                ('key', fields.CharField(max_length=64)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=DeadlineState.PENDING, description='PENDING: pending\nMET: met\nBREACHED: breached\nWAIVED: waived', enum_type=DeadlineState, max_length=12)),
                ('met_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('breached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'complaint_deadlines', 'app': 'models', 'unique_together': (('complaint', 'key'),), 'indexes': [Index(fields=['state', 'due_at'])], 'pk_attr': 'id', 'table_description': 'A time limit of a complaint (C-7, C-9); the database, not the queue, is its truth.'},
            bases=['Model'],
        ),
    ]
