"""The refund audit (A-1..A-3): checks, findings, samples for human review, verdicts and
correction tasks; and the record of working-day calendar edits (who, when, before, after, why).

Money is in fen. A sample keeps its method, seed and parameters, so drawing it again gives the
same refunds (services.audit.sampling is deterministic).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.refunds.models import Refund
    from services.staff.models import Department, Staff


class FindingSource(StrEnum):
    AUTOMATIC = "automatic"  # the policy checks of every executed refund
    REVIEW = "review"  # an auditor reviewing a sampled refund


class FindingStatus(StrEnum):
    OPEN = "open"  # its correction task is not done yet
    CORRECTED = "corrected"  # the responsible person corrected it
    DISMISSED = "dismissed"  # an auditor found it was no problem, with a reason


class SampleMethod(StrEnum):
    SIMPLE_RANDOM = "simple_random"
    STRATIFIED_BAND = "stratified_band"  # strata: R-12 approval band 0-4
    STRATIFIED_RISK = "stratified_risk"  # strata: special customer (K-1) at request or not
    MONETARY_UNIT = "monetary_unit"  # each fen equally likely: large refunds more often


class Verdict(StrEnum):
    PENDING = "pending"
    COMPLIANT = "compliant"
    NONCOMPLIANT = "noncompliant"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class AuditSample(Model):
    """One draw of refunds for human review; seed + parameters reproduce it exactly."""

    id = fields.IntField(primary_key=True)
    method = fields.CharEnumField(SampleMethod, max_length=20)
    seed = fields.BigIntField()
    parameters: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    population_count = fields.IntField()
    population_fen = fields.BigIntField()
    population_digest = fields.CharField(max_length=64)  # sha256 of the population's ids
    refund_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    note = fields.TextField(default="")
    created_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    created_by_id: int

    class Meta:
        table = "audit_samples"
        indexes = (Index(fields=("created_at",)),)


class SampleItem(Model):
    """A sampled refund and the auditor's verdict and note on it."""

    id = fields.IntField(primary_key=True)
    sample: fields.ForeignKeyRelation[AuditSample] = fields.ForeignKeyField(
        "models.AuditSample", related_name="items", on_delete=fields.CASCADE
    )
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name=False, on_delete=fields.RESTRICT
    )
    position = fields.SmallIntField()  # order of drawing
    stratum = fields.CharField(max_length=32, default="")
    hits = fields.SmallIntField(default=1)  # monetary-unit sampling: units that fell in it
    verdict = fields.CharEnumField(Verdict, max_length=16, default=Verdict.PENDING)
    note = fields.TextField(default="")
    reviewed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reviewed_at = fields.DatetimeField(null=True)
    sample_id: int
    refund_id: int
    reviewed_by_id: int | None

    class Meta:
        table = "audit_sample_items"
        unique_together = (("sample", "refund"),)
        indexes = (Index(fields=("sample_id", "position")),)


class AuditCheck(Model):
    """A-1: the automatic check of one refund (one row per refund: 100% coverage), from its
    request until it settles."""

    id = fields.IntField(primary_key=True)
    refund: fields.OneToOneRelation[Refund] = fields.OneToOneField(
        "models.Refund", related_name="audit_check", on_delete=fields.RESTRICT
    )
    passed = fields.BooleanField()
    finding_count = fields.SmallIntField(default=0)
    basis: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # e.g. bands in force
    checked_at = DomainDatetimeField(auto_now=True)
    # A-1 re-checks a refund until nothing more can be found: closed, or executed and verified
    # (or its "not verified" finding made); null while it is still re-checked
    settled_at = fields.DatetimeField(null=True)
    refund_id: int

    class Meta:
        table = "audit_checks"


class AuditFinding(Model):
    """A problem with one refund, naming the rule it breaks; corrected through a task (A-2)."""

    id = fields.IntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="audit_findings", on_delete=fields.RESTRICT
    )
    rule = fields.CharField(max_length=16)  # "R-12", "A-1", …
    code = fields.CharField(max_length=40)  # what exactly, e.g. "band_mismatch"
    params: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # expected, actual …
    source = fields.CharEnumField(FindingSource, max_length=12)
    sample_item: fields.ForeignKeyNullableRelation[SampleItem] = fields.ForeignKeyField(
        "models.SampleItem", related_name="findings", null=True, on_delete=fields.RESTRICT
    )
    note = fields.TextField(default="")
    responsible: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(FindingStatus, max_length=12, default=FindingStatus.OPEN)
    status_reason = fields.TextField(default="")
    created_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    refund_id: int
    sample_item_id: int | None
    responsible_id: int | None
    department_id: int | None
    created_by_id: int | None

    class Meta:
        table = "audit_findings"
        indexes = (
            Index(fields=("refund_id", "code")),
            Index(fields=("created_at",)),
            Index(fields=("status", "id")),
        )


class CorrectionTask(Model):
    """A-2/A-3: the correction a finding asks of the person responsible: cause, plan, done."""

    id = fields.IntField(primary_key=True)
    finding: fields.OneToOneRelation[AuditFinding] = fields.OneToOneField(
        "models.AuditFinding", related_name="task", on_delete=fields.CASCADE
    )
    assignee: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    due_on = fields.DateField()
    status = fields.CharEnumField(TaskStatus, max_length=8, default=TaskStatus.OPEN)
    cause = fields.TextField(default="")  # why it happened
    plan = fields.TextField(default="")  # the rectification plan
    resolution = fields.TextField(default="")
    done_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    done_at = fields.DatetimeField(null=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    finding_id: int
    assignee_id: int
    done_by_id: int | None

    class Meta:
        table = "audit_correction_tasks"
        indexes = (Index(fields=("status", "due_on")), Index(fields=("assignee_id", "status")))


class CalendarChange(Model):
    """One edit of the working-day calendar from the console: a year's exceptions before and
    after ([[iso date, is_workday, name], …]), who, when and why; restorable."""

    id = fields.IntField(primary_key=True)
    year = fields.SmallIntField()
    action = fields.CharField(max_length=16)  # add_year, replace_year, import_year, set_day …
    day = fields.DateField(null=True)  # set_day: the day that changed
    before: fields.Field[list[Any] | None] = fields.JSONField(null=True)  # None: not stored
    after: fields.Field[list[Any] | None] = fields.JSONField(null=True)
    reason = fields.TextField()
    changed_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    changed_by_id: int

    class Meta:
        table = "calendar_changes"
        indexes = (Index(fields=("year", "id")),)
