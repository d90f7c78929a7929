"""issue 15 - handler assist (S-1 … S-3): assist_versions, the versioned scenario scripts and
keyword library (the shipped texts are version 1 and live in code; edits are stored here).
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from services.assist.models import LibraryKind


class Migration(migrations.Migration):
    dependencies = [("models", "0016_next_due")]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssistVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='SCENARIO: scenario\nKEYWORDS: keywords', enum_type=LibraryKind, max_length=12)),
                ('key', fields.CharField(max_length=32)),
                ('version', fields.IntField()),
                ('value', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.TextField(default='', unique=False)),
                ('changed_by', fields.ForeignKeyField('models.Staff', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'assist_versions', 'app': 'models', 'unique_together': (('kind', 'key', 'version'),), 'pk_attr': 'id', 'table_description': 'One version of a handler-assist scenario or of the keyword library.'},
            bases=['Model'],
        ),
    ]
