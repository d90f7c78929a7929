"""Complaints, their append-only history, urgency reasons and deadlines (C-1 … C-7)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.customers.models import Customer
    from services.staff.models import Department, Staff


class Channel(StrEnum):
    """Where the complaint came in (C-1)."""

    HOTLINE = "hotline"
    STORE = "store"
    CUSTOMER_MANAGER = "customer_manager"
    APP_WEB = "app_web"
    SOCIAL_MEDIA = "social_media"
    LETTER_FAX = "letter_fax"
    VISIT = "visit"
    ABOVE_LEVEL = "above_level"


class Category(StrEnum):
    TARIFF_DISPUTE = "tariff_dispute"
    BILLING_ERROR = "billing_error"
    NETWORK_FAULT = "network_fault"
    VALUE_ADDED_SERVICE = "value_added_service"
    STAFF_ATTITUDE = "staff_attitude"
    SERVICE_HANDLING = "service_handling"
    BROADBAND = "broadband"
    OTHER = "other"


class ContactPreference(StrEnum):
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"


class Status(StrEnum):
    """The life cycle of C-6, in order."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    PLAN_PROPOSED = "plan_proposed"
    RESOLVING = "resolving"
    RESOLVED = "resolved"
    REVISITED = "revisited"
    ARCHIVED = "archived"


# not yet resolved: still waiting for the result (C-5 "still unresolved", C-8 feedback)
UNRESOLVED = (
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.INVESTIGATING,
    Status.PLAN_PROPOSED,
    Status.RESOLVING,
)


class UrgencyReason(StrEnum):
    MAJOR = "major"
    OVER_LEVEL = "over_level"
    BATCH = "batch"
    REPEAT = "repeat"
    ESCALATED = "escalated"
    CROSS_REGION = "cross_region"
    IMPORTANT_CUSTOMER = "important_customer"
    SENSITIVE_CUSTOMER = "sensitive_customer"


class Severity(StrEnum):
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"


class WarningColour(StrEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class DeadlineKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    INITIAL_PLAN = "initial_plan"
    RESULT_FEEDBACK = "result_feedback"
    REVISIT_OPENS = "revisit_opens"
    REVISIT_CLOSES = "revisit_closes"
    PROMISE = "promise"
    DEPARTMENT_FEEDBACK = "department_feedback"


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    # met after it was due, whether or not the worker had marked it breached meanwhile
    MET_LATE = "met_late"
    BREACHED = "breached"
    WAIVED = "waived"


# a deadline that was missed, whether it was met later or not: each raises the colour (C-5, C-7)
MISSED = (DeadlineState.BREACHED, DeadlineState.MET_LATE)


class Complaint(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="complaints", on_delete=fields.RESTRICT
    )
    # C-2 intake
    contact_name = fields.CharField(max_length=100)
    contact_phone = fields.CharField(max_length=20)
    contact_preference = fields.CharEnumField(
        ContactPreference, max_length=12, default=ContactPreference.SMS
    )
    channel = fields.CharEnumField(Channel, max_length=20)
    category = fields.CharEnumField(Category, max_length=24)
    service_code = fields.CharField(max_length=64, default="")
    sp_code = fields.CharField(max_length=32, default="")
    province = fields.CharField(max_length=32)
    city = fields.CharField(max_length=32)
    occurred_at = fields.DatetimeField(null=True)
    location = fields.CharField(max_length=200, default="")
    staff_involved = fields.CharField(max_length=200, default="")
    summary = fields.TextField()
    details = fields.TextField(default="")
    customer_request = fields.TextField()
    matter_key = fields.CharField(max_length=200)
    # life cycle (C-6)
    status = fields.CharEnumField(Status, max_length=16, default=Status.RECEIVED)
    severity = fields.CharEnumField(Severity, max_length=12, default=Severity.MINOR)
    warning_colour = fields.CharEnumField(WarningColour, max_length=8, default=WarningColour.BLUE)
    first_handler: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="first_handled_complaints", on_delete=fields.RESTRICT
    )
    owner: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="owned_complaints", on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="complaints", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int
    first_handler_id: int
    owner_id: int
    department_id: int | None
    plan = fields.TextField(default="")
    result_cause = fields.TextField(default="")
    result_solution = fields.TextField(default="")
    result_prevention = fields.TextField(default="")
    revisit_satisfied = fields.BooleanField(null=True)
    revisit_note = fields.TextField(default="")
    reopen_count = fields.SmallIntField(default=0)
    plan_extended = fields.BooleanField(default=False)
    paused_since = fields.DatetimeField(null=True)
    paused_reason = fields.TextField(default="")
    # when each step happened: what every deadline is measured against
    created_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)
    acknowledged_at = fields.DatetimeField(null=True)
    investigation_started_at = fields.DatetimeField(null=True)
    plan_proposed_at = fields.DatetimeField(null=True)
    resolution_started_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    revisited_at = fields.DatetimeField(null=True)
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "complaints"
        indexes = (
            Index(fields=("status", "id")),
            Index(fields=("owner_id", "id")),
            Index(fields=("department_id", "id")),
            Index(fields=("customer_id", "matter_key", "archived_at")),
            Index(fields=("matter_key", "created_at")),
            Index(fields=("created_at",)),
        )


class ComplaintEvent(Model):
    """Append-only history: one row per change (who, when, what, from → to, why)."""

    id = fields.BigIntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="events", on_delete=fields.RESTRICT
    )
    actor: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    at = DomainDatetimeField(auto_now_add=True)
    action = fields.CharField(max_length=40)
    field = fields.CharField(max_length=40, default="")
    from_value = fields.TextField(default="")
    to_value = fields.TextField(default="")
    reason = fields.TextField(default="")
    complaint_id: int
    actor_id: int | None

    class Meta:
        table = "complaint_events"
        indexes = (Index(fields=("complaint_id", "id")),)


class ComplaintUrgency(Model):
    """One urgency reason of a complaint (C-3), with who or what set it and the evidence."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="urgencies", on_delete=fields.CASCADE
    )
    reason = fields.CharEnumField(UrgencyReason, max_length=24)
    note = fields.TextField(default="")
    evidence: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    set_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int

    class Meta:
        table = "complaint_urgencies"
        unique_together = (("complaint", "reason"),)
        indexes = (Index(fields=("reason", "complaint_id")),)


class Deadline(Model):
    """A time limit of a complaint (C-7, C-9); the database, not the queue, is its truth."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="deadlines", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(DeadlineKind, max_length=20)
    key = fields.CharField(max_length=64)
    due_at = fields.DatetimeField()
    state = fields.CharEnumField(DeadlineState, max_length=12, default=DeadlineState.PENDING)
    met_at = fields.DatetimeField(null=True)
    breached_at = fields.DatetimeField(null=True)
    note = fields.TextField(default="")
    # a deadline of N working days: counted from this instant (so a confirmed calendar can
    # recompute it), plus the working time credited by pauses; provisional while the span
    # touches a provisional calendar year
    counted_from = fields.DatetimeField(null=True)
    working_days = fields.SmallIntField(null=True)
    credited_days = fields.FloatField(default=0)
    provisional = fields.BooleanField(default=False)
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int

    class Meta:
        table = "complaint_deadlines"
        unique_together = (("complaint", "key"),)
        indexes = (Index(fields=("state", "due_at")),)


class TaskKind(StrEnum):
    REFUND = "refund"
    REPAIR = "repair"
    TRAINING = "training"
    PROCESS_FIX = "process_fix"
    OTHER = "other"


class ComplaintTask(Model):
    """One piece of a solution (C-8): refund, repair, staff training … with owner and due date."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="tasks", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(TaskKind, max_length=16)
    title = fields.CharField(max_length=200)
    owner: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    due_at = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)
    done_note = fields.TextField(default="")
    created_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int
    owner_id: int

    class Meta:
        table = "complaint_tasks"
        indexes = (Index(fields=("complaint_id", "id")), Index(fields=("owner_id", "done_at")))


class SupervisionCause(StrEnum):
    """Why a matter went under supervised handling (C-10)."""

    REPEAT_COMPLAINTS = "repeat_complaints"  # one customer's repeat complaints reached N (C-3)
    RECTIFICATION = "rectification"  # a rectification escalated it


class SupervisedMatter(Model):
    """One period of supervised handling (督办, C-10) of a matter: who owns it, why it started,
    when and why it ended. At most one open period per matter (a partial unique index); ended
    periods stay as the matter's supervision log."""

    id = fields.IntField(primary_key=True)
    matter_key = fields.CharField(max_length=200, db_index=True)
    cause = fields.CharEnumField(
        SupervisionCause, max_length=20, default=SupervisionCause.REPEAT_COMPLAINTS
    )
    reason = fields.TextField(default="")
    # repeat complaints of one customer on the matter when it started (0 for a rectification)
    complaints_at_flag = fields.IntField(default=0)
    flagged_by_complaint_id = fields.IntField(null=True)
    customer_id = fields.IntField(null=True)  # whose repeat complaints started it
    owner: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    started_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    flagged_at = DomainDatetimeField(auto_now_add=True)
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.TextField(default="")
    ended_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    ended_by_complaint_id = fields.IntField(null=True)
    owner_id: int | None
    started_by_id: int | None
    ended_by_id: int | None

    class Meta:
        table = "supervised_matters"


class Notification(Model):
    """Something a member of staff must know: a breached deadline, an escalation (C-5, C-7)."""

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.CASCADE
    )
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=40)
    key = fields.CharField(max_length=80)
    message = fields.TextField()
    created_at = DomainDatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    recipient_id: int
    complaint_id: int

    class Meta:
        table = "notifications"
        unique_together = (("recipient", "key"),)
        indexes = (Index(fields=("recipient_id", "read_at", "id")),)
