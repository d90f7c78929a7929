"""Root causes (a maintained taxonomy), the root cause recorded on each resolved complaint,
and rectifications of problems that keep causing complaints (C-11, A-3)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.complaints.models import Complaint
    from services.staff.models import Department, Staff


class CauseGroup(StrEnum):
    """The families of root causes the service-quality office reports on (C-11)."""

    NETWORK = "network"
    BILLING_SYSTEM = "billing_system"
    PARTNER_SP = "partner_sp"
    STAFF = "staff"
    PROCESS = "process"
    PRODUCT_RULE = "product_rule"
    CUSTOMER_SIDE = "customer_side"
    OTHER = "other"


class RootCause(Model):
    """One entry of the root-cause taxonomy; admins add, rename, re-own or retire entries."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    group = fields.CharEnumField(CauseGroup, max_length=16)
    # the department that owns fixing this kind of cause (C-11: root causes fixed, per department)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)
    department_id: int | None

    class Meta:
        table = "root_causes"


class ComplaintRootCause(Model):
    """The root cause recorded when a complaint was resolved (the latest resolution's)."""

    id = fields.IntField(primary_key=True)
    complaint: fields.OneToOneRelation[Complaint] = fields.OneToOneField(
        "models.Complaint", related_name="root_cause", on_delete=fields.CASCADE
    )
    cause: fields.ForeignKeyRelation[RootCause] = fields.ForeignKeyField(
        "models.RootCause", related_name="complaints", on_delete=fields.RESTRICT
    )
    # copied from the cause when recorded: a later change of owner does not rewrite history
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    matter_key = fields.CharField(max_length=200)
    recorded_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    recorded_at = fields.DatetimeField()
    fixed_at = fields.DatetimeField(null=True)  # the rectification of its problem closed
    complaint_id: int
    cause_id: int
    department_id: int | None
    recorded_by_id: int

    class Meta:
        table = "complaint_root_causes"
        indexes = (
            Index(fields=("recorded_at",)),
            Index(fields=("cause_id", "matter_key", "recorded_at")),
        )


class ProblemKind(StrEnum):
    ROOT_CAUSE = "root_cause"  # a root cause on one matter
    AUDIT_FINDING = "audit_finding"  # an audit finding code


class OpenedBy(StrEnum):
    REPEATS = "repeats"  # 3 or more complaints of one problem in a month
    AUDITOR = "auditor"  # an auditor flagged it


class RectificationStatus(StrEnum):
    """A-3: opened → planned (owner's plan and due date) → checked (result verified) → closed."""

    OPEN = "open"
    PLANNED = "planned"
    CHECKED = "checked"
    CLOSED = "closed"


class Rectification(Model):
    """A-3: the rectification of one problem, from opening to its checked, closed result."""

    id = fields.IntField(primary_key=True)
    problem_kind = fields.CharEnumField(ProblemKind, max_length=16)
    # one open rectification per problem: "root_cause:<code>|<matter>" or "finding:<rule>:<code>"
    problem_key = fields.CharField(max_length=260)
    cause: fields.ForeignKeyNullableRelation[RootCause] = fields.ForeignKeyField(
        "models.RootCause", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    matter_key = fields.CharField(max_length=200, default="")
    finding_rule = fields.CharField(max_length=16, default="")
    finding_code = fields.CharField(max_length=40, default="")
    opened_by = fields.CharEnumField(OpenedBy, max_length=12)
    reason = fields.TextField(default="")
    complaints_at_opening = fields.IntField(default=0)
    # the complaint that tipped it over (or the finding's): where the owner's head is told
    complaint: fields.ForeignKeyNullableRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    owner: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(
        RectificationStatus, max_length=12, default=RectificationStatus.OPEN
    )
    plan = fields.TextField(default="")
    due_on = fields.DateField()
    check_result = fields.TextField(default="")
    checked_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    checked_at = fields.DatetimeField(null=True)
    closed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    closed_at = fields.DatetimeField(null=True)
    supervised_at = fields.DatetimeField(null=True)  # its matter put under C-10 supervision
    overdue_flagged_at = fields.DatetimeField(null=True)  # the owner's head was told
    opened_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)
    cause_id: int | None
    complaint_id: int | None
    department_id: int | None
    owner_id: int | None

    class Meta:
        table = "rectifications"
        indexes = (Index(fields=("status", "due_on")), Index(fields=("opened_at",)))


class RectificationEvent(Model):
    """Append-only history of a rectification: who did what, when, why."""

    id = fields.BigIntField(primary_key=True)
    rectification: fields.ForeignKeyRelation[Rectification] = fields.ForeignKeyField(
        "models.Rectification", related_name="events", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    at = DomainDatetimeField(auto_now_add=True)
    action = fields.CharField(max_length=40)
    note = fields.TextField(default="")
    rectification_id: int

    class Meta:
        table = "rectification_events"
        indexes = (Index(fields=("rectification_id", "id")),)


class AnalysisRollup(Model):
    """A month's analysis for one scope, kept by the worker so reads stay fast as history grows
    (C-11): scope "" is the whole operator, "department:<id>" and "region:<province>" the rest."""

    id = fields.IntField(primary_key=True)
    month = fields.DateField()
    scope = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "analysis_rollups"
        unique_together = (("month", "scope"),)
