"""Staff, their roles and organisation, departments; console sessions and login counters."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.roles import Role as Role  # defined below every package (the permission table)
from services.timestamps import DomainDatetimeField


class Track(StrEnum):
    """Organisation track: approvals follow different role titles on each (R-12)."""

    BRANCH = "branch"
    SERVICE_CENTRE = "service_centre"


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    created_at = DomainDatetimeField(auto_now_add=True)

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
    # bumped by a password change, deactivation and "log out everywhere": every bearer token
    # and console session carries the version it was issued under and dies when it changes
    token_version = fields.IntField(default=0)
    created_at = DomainDatetimeField(auto_now_add=True)
    department_id: int | None

    class Meta:
        table = "staff"
        indexes = (Index(fields=("department_id",)),)

    def has_role(self, *roles: Role) -> bool:
        return any(r.value in self.roles for r in roles)


class StaffSession(Model):
    """A console session: the cookie carries only its random key, stored here as a SHA-256."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.CASCADE
    )
    token_version = fields.IntField()
    created_at = fields.DatetimeField()  # wall time: security time, not the domain clock
    expires_at = fields.DatetimeField()
    staff_id: int

    class Meta:
        table = "staff_sessions"
        indexes = (Index(fields=("staff_id",)), Index(fields=("expires_at",)))


class LoginCounter(Model):
    """Failed logins counted against one key (`addr:<ip>` or `user:<name>`), shared by the
    console and GraphQL; see services/staff/throttle.py."""

    key = fields.CharField(max_length=100, primary_key=True)
    failures = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField()

    class Meta:
        table = "login_counters"
        indexes = (Index(fields=("last_failure_at",)),)


class KnownLoginAddress(Model):
    """An address this member of staff has logged in from: exempt from the account's back-off."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=64)
    last_success_at = fields.DatetimeField()
    staff_id: int

    class Meta:
        table = "staff_login_addresses"
        unique_together = (("staff_id", "address"),)
