"""Partner API (issue #7): partners, keys, services, disputes linked to their complaint and
refund, the daily cap, webhook endpoints, events and deliveries; and the trigger that writes a
`dispute.status_changed` event in the transaction of every status change of a partner-linked
refund (one row per refund_events row whose from_status differs from its to_status)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from services.partners.models import DisputeReason, PartnerStatus, WebhookState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_notices_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Partner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sp_code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=100)),
                ('contact_name', fields.CharField(default='', max_length=100)),
                ('contact_email', fields.CharField(default='', max_length=200)),
                ('contact_phone', fields.CharField(default='', max_length=20)),
                ('status', fields.CharEnumField(default=PartnerStatus.ACTIVE, description='ACTIVE: active\nSUSPENDED: suspended', enum_type=PartnerStatus, max_length=12)),
                ('intake_staff', fields.OneToOneField('models.Staff', source_field='intake_staff_id', db_constraint=True, to_field='id', related_name='partner', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'partners', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A content provider (SP) billed through the operator: Monternet (梦网), information fees.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.RESTRICT)),
                ('prefix', fields.CharField(unique=True, max_length=16)),
                ('key_hash', fields.CharField(max_length=64)),
                ('label', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('use_count', fields.BigIntField(default=0)),
            ],
            options={'table': 'partner_api_keys', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'id'])], 'pk_attr': 'id', 'table_description': 'An API key: `tsk_<prefix>_<secret>`, shown once; the prefix stays visible, the key is'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerDailyUsage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('disputes', fields.IntField(default=0)),
            ],
            options={'table': 'partner_daily_usage', 'app': 'models', 'unique_together': (('partner', 'day'),), 'pk_attr': 'id', 'table_description': 'Disputes a partner submitted on one operator day, for the daily cap.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerService',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.RESTRICT)),
                ('service_code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('monternet', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner_services', 'app': 'models', 'unique_together': (('partner', 'service_code'),), 'pk_attr': 'id', 'table_description': "A service of the partner's SP code that its customers are billed for."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerDispute',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=32)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.RESTRICT)),
                ('service', fields.ForeignKeyField('models.PartnerService', source_field='service_id', db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('complaint', fields.OneToOneField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='partner_dispute', on_delete=OnDelete.RESTRICT)),
                ('refund', fields.OneToOneField('models.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='partner_dispute', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.CharEnumField(description='UNKNOWING_SUBSCRIPTION: unknowing_subscription\nSERVICE_UNUSABLE: service_unusable\nBILLING_ERROR: billing_error', enum_type=DisputeReason, max_length=32)),
                ('description', fields.TextField(default='', unique=False)),
                ('evidence', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('charge_lines', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('claimed_fen', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner_disputes', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'id']), Index(fields=['partner_id', 'customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A refund dispute a partner submitted: the complaint and refund it created, and what the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.RESTRICT)),
                ('url', fields.CharField(max_length=500)),
                ('secret', fields.CharField(max_length=80)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'partner_webhook_endpoints', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'active'])], 'pk_attr': 'id', 'table_description': 'Where a partner receives events; at most one active per partner (registering replaces).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.CharField(unique=True, max_length=40)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('dispute', fields.ForeignKeyField('models.PartnerDispute', source_field='dispute_id', db_constraint=True, to_field='id', related_name='webhook_events', on_delete=OnDelete.RESTRICT)),
                ('type', fields.CharField(max_length=40)),
                ('status', fields.CharField(max_length=24)),
                ('previous_status', fields.CharField(default='', max_length=24)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('refund_event_id', fields.BigIntField(null=True, unique=True)),
                ('state', fields.CharEnumField(default=WebhookState.PENDING, description='PENDING: pending\nDELIVERED: delivered\nFAILED: failed\nSKIPPED: skipped', enum_type=WebhookState, max_length=12)),
                ('attempts', fields.SmallIntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner_webhook_events', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['partner_id', 'id']), Index(fields=['dispute_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One event for a partner (outbox row). Also written by the trigger on refund_events:'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.WebhookEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('attempt', fields.SmallIntField()),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('url', fields.CharField(max_length=500)),
                ('http_status', fields.SmallIntField(null=True)),
                ('error', fields.TextField(default='', unique=False)),
                ('duration_ms', fields.IntField(default=0)),
            ],
            options={'table': 'partner_webhook_deliveries', 'app': 'models', 'indexes': [Index(fields=['event_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One attempt to deliver an event: when, where, the HTTP status or the error.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                """
                CREATE FUNCTION partner_dispute_status_event() RETURNS trigger AS $$
                BEGIN
                    -- every NOT NULL column explicitly: Tortoise defaults are not column defaults
                    INSERT INTO partner_webhook_events
                        (event_id, partner_id, dispute_id, type, status, previous_status,
                         occurred_at, refund_event_id, state, attempts, next_attempt_at,
                         created_at)
                    SELECT 'evt_' || replace(gen_random_uuid()::text, '-', ''),
                           d.partner_id, d.id, 'dispute.status_changed', NEW.to_status,
                           NEW.from_status, NEW.at, NEW.id, 'pending', 0, NEW.at, now()
                    FROM partner_disputes d
                    WHERE d.refund_id = NEW.refund_id;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql
                """,
                """
                CREATE TRIGGER refund_events_partner_webhooks
                AFTER INSERT ON "refund_events"
                FOR EACH ROW
                WHEN (NEW.from_status <> '' AND NEW.from_status <> NEW.to_status)
                EXECUTE FUNCTION partner_dispute_status_event()
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER refund_events_partner_webhooks ON "refund_events"',
                "DROP FUNCTION partner_dispute_status_event()",
            ],
        ),
    ]
