"""Staff, their roles and organisation, and departments."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Role(StrEnum):
    HANDLER = "handler"
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    DEPUTY_GM = "deputy_gm"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Track(StrEnum):
    """Organisation track: approvals follow different role titles on each (R-12)."""

    BRANCH = "branch"
    SERVICE_CENTRE = "service_centre"


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "departments"


class Staff(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=100)
    password_hash = fields.CharField(max_length=255)
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    track = fields.CharEnumField(Track, max_length=20, default=Track.BRANCH)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="staff", null=True, on_delete=fields.SET_NULL
    )
    is_department_head = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    department_id: int | None

    class Meta:
        table = "staff"
        indexes = (Index(fields=("department_id",)),)

    def has_role(self, *roles: Role) -> bool:
        return any(r.value in self.roles for r in roles)
