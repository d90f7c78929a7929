"""C-8 routing: the departments a complaint went to, each with its investigator, and the
coordinator of a complaint that crossed departments."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.complaints.models import Complaint
    from services.staff.models import Department, Staff


class RoutingRole(StrEnum):
    ROUTED = "routed"  # where the routing rules sent it at intake
    HANDED_OVER = "handed_over"  # a department it was handed to later


class ComplaintDepartment(Model):
    """A department working on a complaint and its investigator (None: the department's
    queue, no active handler to give it to)."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="departments", on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name=False, on_delete=fields.RESTRICT
    )
    investigator: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    role = fields.CharEnumField(RoutingRole, max_length=12)
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int
    department_id: int
    investigator_id: int | None

    class Meta:
        table = "complaint_departments"
        unique_together = (("complaint", "department"),)
        table_description = "C-8: a department a complaint went to, with its investigator."


class ComplaintCoordination(Model):
    """A complaint that crossed departments is coordinated by the complaint manager (C-8)."""

    id = fields.IntField(primary_key=True)
    complaint: fields.OneToOneRelation[Complaint] = fields.OneToOneField(
        "models.Complaint", related_name="coordination", on_delete=fields.CASCADE
    )
    coordinator: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int
    coordinator_id: int

    class Meta:
        table = "complaint_coordinations"
        table_description = "C-8: the complaint manager coordinating a cross-department complaint."
