"""issue 13 - C-8 routing: the departments a complaint went to, each with its investigator, and
the coordinator (the complaint manager) of a complaint that crossed departments."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from services.complaints.routing_models import RoutingRole


class Migration(migrations.Migration):
    dependencies = [("models", "0019_notice_channels")]

    initial = False

    operations = [
        ops.CreateModel(
            name='ComplaintDepartment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='departments', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('investigator', fields.ForeignKeyField('models.Staff', source_field='investigator_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('role', fields.CharEnumField(description='ROUTED: routed\nHANDED_OVER: handed_over', enum_type=RoutingRole, max_length=12)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'complaint_departments', 'app': 'models', 'unique_together': (('complaint', 'department'),), 'pk_attr': 'id', 'table_description': 'C-8: a department a complaint went to, with its investigator.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintCoordination',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.OneToOneField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='coordination', on_delete=OnDelete.CASCADE)),
                ('coordinator', fields.ForeignKeyField('models.Staff', source_field='coordinator_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'complaint_coordinations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'C-8: the complaint manager coordinating a cross-department complaint.'},
            bases=['Model'],
        ),
    ]
