"""issue 11 - login throttle, token versions, console sessions."""

import importlib

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# staff rows exist: the new NOT NULL column needs its default in SQL (see 0006)
AddFieldWithDefault = importlib.import_module(
    "services.migrations.0006_notices_delivery"
).AddFieldWithDefault


class Migration(migrations.Migration):
    dependencies = [("models", "0009_calendar_provisional")]

    initial = False

    operations = [
        AddFieldWithDefault(
            model_name='Staff',
            name='token_version',
            field=fields.IntField(default=0),
            sql='ALTER TABLE "staff" ADD COLUMN "token_version" INT NOT NULL DEFAULT 0',
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(max_length=64, unique=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('token_version', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_sessions', 'app': 'models', 'indexes': [Index(fields=['staff_id']), Index(fields=['expires_at'])], 'pk_attr': 'id', 'table_description': 'A console session: the cookie carries only its random key, stored here as a SHA-256.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginCounter',
            fields=[
                ('key', fields.CharField(max_length=100, primary_key=True, unique=True, db_index=True)),
                ('failures', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_failure_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_counters', 'app': 'models', 'indexes': [Index(fields=['last_failure_at'])], 'pk_attr': 'key', 'table_description': 'Failed logins counted against one key (`addr:<ip>` or `user:<name>`), shared by the console and GraphQL.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KnownLoginAddress',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=64)),
                ('last_success_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_login_addresses', 'app': 'models', 'unique_together': (('staff_id', 'address'),), 'pk_attr': 'id', 'table_description': "An address this member of staff has logged in from: exempt from the account's back-off."},
            bases=['Model'],
        ),
    ]
