"""Refund work orders (R-1..R-13), their approvals, history, credits, compensation (R-10),
risk profiles (K-1..K-3) and idempotency keys of the money-moving use cases.

Money is an int of fen everywhere. The refund carries `customer_id` (denormalised from its
complaint) so a customer's refunds are one index range: (customer_id, executed_at).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.refunds.kinds import (
    BusinessType,
    ChargeCategory,
    Flow,
    Liability,
    Multiple,
    RefundMethod,
)
from services.staff.models import Track
from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.complaints.models import Complaint
    from services.customers.models import Customer
    from services.staff.models import Staff


class RefundStatus(StrEnum):
    """Where a refund work order is (R-11); see services.refunds.workflow for the moves."""

    VERIFYING = "verifying"  # verify first: the cause is being checked
    AWAITING_APPROVAL = "awaiting_approval"  # band 1-4 waits for its approver
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # the customer must confirm the amount
    CONFIRMED = "confirmed"  # amount confirmed; execution deadline running
    EXECUTED = "executed"  # credited; SMS notice queued
    REJECTED = "rejected"  # an approver refused it, with a reason
    DECLINED = "declined"  # verification found nothing to refund (or K-4), before execution
    CANCELLED = "cancelled"  # withdrawn before execution, with a reason


class ApprovalDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class LedgerKind(StrEnum):
    """How money reached the customer."""

    ACCOUNT_CREDIT = "account_credit"  # 账户充值, at once
    BILL_ADJUSTMENT = "bill_adjustment"  # 调账, on the next month's bill
    CASH = "cash"  # by documented exception
    TRAVEL_FARE = "travel_fare"  # fares credited to the account on an invoice


class CompensationKind(StrEnum):
    """R-10: compensation beyond the refund."""

    FEE_WAIVER = "fee_waiver"
    GIFT = "gift"
    TRAVEL_FARE = "travel_fare"


class FeeWaiver(StrEnum):
    """R-10's two waivers."""

    MISSED_CALL_ALERT_YEAR = "missed_call_alert_year"  # voice unresolved 3 months on: 1 year
    FUNCTION_FEE = "function_fee"  # a subscribed service unusable: its fee for that period


class CompensationStatus(StrEnum):
    """R-10: within the rules it is recorded at once; beyond them it awaits a special decision."""

    RECORDED = "recorded"  # within the rules
    AWAITING_APPROVAL = "awaiting_approval"  # a documented special decision, not yet approved
    APPROVED = "approved"  # a special decision approved by the band above
    REJECTED = "rejected"  # a special decision refused


class GiftGround(StrEnum):
    """R-10: why a gift is given."""

    VISIT = "visit"  # a handler visiting the customer
    SETTLED_ON_SITE = "settled_on_site"  # escalated, company-liable, settled on site


class OutageCause(StrEnum):
    """R-10: who caused the outage a fee waiver makes good."""

    COMPANY = "company"
    PARTNER = "partner"


class Transport(StrEnum):
    """R-10 travel fares: coach and taxi on invoice; city buses are excepted."""

    COACH = "coach"
    TAXI = "taxi"
    METRO = "metro"
    CITY_BUS = "city_bus"


class Refund(Model):
    """A refund work order; it always belongs to a complaint (R-1)."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="refunds", on_delete=fields.RESTRICT
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="refunds", on_delete=fields.RESTRICT
    )
    requested_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="requested_refunds", on_delete=fields.RESTRICT
    )
    track = fields.CharEnumField(Track, max_length=20)
    # what it is and what it is for
    business_type = fields.CharEnumField(BusinessType, max_length=16)
    liability = fields.CharEnumField(Liability, max_length=16)
    charge_category = fields.CharEnumField(ChargeCategory, max_length=32)
    matter = fields.CharField(max_length=200)
    cause = fields.TextField(default="")
    border_roaming = fields.BooleanField(default=False)
    sp_code = fields.CharField(max_length=32, default="")
    service_code = fields.CharField(max_length=64, default="")
    quick = fields.BooleanField(default=False)  # R-11 quick refund from picked charge lines
    # amounts, all fen
    charged_fen = fields.IntField()
    should_have_charged_fen = fields.IntField()
    overcharge_fen = fields.IntField()
    refund_fen = fields.IntField()
    multiple = fields.CharEnumField(Multiple, max_length=8)
    method = fields.CharEnumField(RefundMethod, max_length=16)
    cash_exception_reason = fields.TextField(default="")
    # the decisions of the rules at the last change, with their reasons
    flow = fields.CharEnumField(Flow, max_length=16)
    flow_clause = fields.CharField(max_length=8)
    band = fields.SmallIntField()
    special_customer = fields.BooleanField(default=False)  # K-1 at request time
    vip = fields.BooleanField(default=False)
    cause_unknown_on_spot = fields.BooleanField(default=False)
    first_refund = fields.BooleanField(default=False)
    reasons: fields.Field[list[str]] = fields.JSONField(default=list)
    # where it is
    status = fields.CharEnumField(RefundStatus, max_length=24)
    approval_round = fields.SmallIntField(default=1)  # a change of amount opens a new round
    verified_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    verified_at = fields.DatetimeField(null=True)
    verification_cause = fields.TextField(default="")
    verification_measures = fields.TextField(default="")
    # the rest of R-11's verification (refund yes/no, liability, amounts); null until verified
    verification_refund_due = fields.BooleanField(null=True)  # the verifier's yes/no
    verification_liability = fields.CharEnumField(Liability, max_length=16, null=True)
    verification_charge_category = fields.CharEnumField(ChargeCategory, max_length=32, null=True)
    verification_charged_fen = fields.IntField(null=True)
    verification_should_have_charged_fen = fields.IntField(null=True)
    verification_due_fen = fields.IntField(null=True)  # what the rules make due on it (0: none)
    approved_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    approved_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    confirmation_note = fields.TextField(default="")
    executed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    executed_at = fields.DatetimeField(null=True)
    closed_reason = fields.TextField(default="")  # why rejected, declined or cancelled
    closed_at = fields.DatetimeField(null=True)
    # R-13 time limits
    verify_due_at = fields.DatetimeField(null=True)
    agree_due_at = fields.DatetimeField(null=True)  # bill adjustment: amount and date agreed
    execute_due_at = fields.DatetimeField(null=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)

    complaint_id: int
    customer_id: int
    requested_by_id: int
    verified_by_id: int | None
    approved_by_id: int | None
    executed_by_id: int | None

    class Meta:
        table = "refunds"
        indexes = (
            Index(fields=("customer_id", "executed_at")),  # risk profile (K-1), R-7(d), R-12
            Index(fields=("customer_id", "created_at")),  # first fee dispute this year (R-7(d))
            Index(fields=("complaint_id", "id")),
            Index(fields=("status", "track", "band")),  # the approvers' queue
            Index(fields=("status", "id")),
            Index(fields=("created_at",)),
        )


class RefundLine(Model):
    """A billed charge the handler picked for a quick refund (R-11)."""

    id = fields.IntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="lines", on_delete=fields.CASCADE
    )
    description = fields.CharField(max_length=200)
    service_code = fields.CharField(max_length=64, default="")
    sp_code = fields.CharField(max_length=32, default="")
    billed_on = fields.DateField(null=True)
    charged_fen = fields.IntField()
    refund_id: int

    class Meta:
        table = "refund_lines"
        indexes = (Index(fields=("refund_id", "id")),)


class RefundApproval(Model):
    """One approver's decision (R-12); one per refund and approval round."""

    id = fields.IntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="approvals", on_delete=fields.RESTRICT
    )
    round = fields.SmallIntField()
    approver: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    decision = fields.CharEnumField(ApprovalDecision, max_length=12)
    band = fields.SmallIntField()
    approver_band = fields.SmallIntField()
    track = fields.CharEnumField(Track, max_length=20)
    amount_fen = fields.IntField()
    reason = fields.TextField(default="")
    decided_at = DomainDatetimeField(auto_now_add=True)
    refund_id: int
    approver_id: int

    class Meta:
        table = "refund_approvals"
        unique_together = (("refund", "round"),)  # the last line of defence: one decision


class RefundEvent(Model):
    """Append-only history of a refund: who, when, what, from → to, why."""

    id = fields.BigIntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="events", on_delete=fields.RESTRICT
    )
    actor: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    at = DomainDatetimeField(auto_now_add=True)
    action = fields.CharField(max_length=40)
    from_status = fields.CharField(max_length=24, default="")
    to_status = fields.CharField(max_length=24, default="")
    reason = fields.TextField(default="")
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    refund_id: int
    actor_id: int | None

    class Meta:
        table = "refund_events"
        indexes = (Index(fields=("refund_id", "id")),)


class Compensation(Model):
    """R-10: a fee waiver, gift or travel fare, recorded on the complaint; never a refund."""

    id = fields.IntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="compensations", on_delete=fields.RESTRICT
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="compensations", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(CompensationKind, max_length=16)
    waiver = fields.CharEnumField(FeeWaiver, max_length=24, null=True)
    transport = fields.CharEnumField(Transport, max_length=12, null=True)
    value_fen = fields.IntField()
    description = fields.TextField()
    service_code = fields.CharField(max_length=64, default="")
    period_from = fields.DateField(null=True)
    period_to = fields.DateField(null=True)
    invoice_ref = fields.CharField(max_length=64, default="")
    reasons: fields.Field[list[str]] = fields.JSONField(default=list)
    # the conditions R-10 names, as the handler recorded them
    gift_ground = fields.CharEnumField(GiftGround, max_length=16, null=True)
    visited_on = fields.DateField(null=True)
    outage_cause = fields.CharEnumField(OutageCause, max_length=12, null=True)
    exposed_problem = fields.TextField(default="")
    # a demand beyond the rules: the documented special decision and who approved it
    status = fields.CharEnumField(
        CompensationStatus, max_length=20, default=CompensationStatus.RECORDED
    )
    special_reason = fields.TextField(default="")
    special_band = fields.SmallIntField(null=True)
    decided_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.TextField(default="")
    recorded_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    complaint_id: int
    customer_id: int
    recorded_by_id: int
    decided_by_id: int | None

    class Meta:
        table = "compensations"
        indexes = (Index(fields=("complaint_id", "id")), Index(fields=("status", "id")))
        # one travel invoice is credited once per customer: a partial unique index on
        # (customer_id, invoice_ref) of travel fares not rejected (migration 0013)


class LedgerEntry(Model):
    """Money credited to a customer; at most one entry per refund and per compensation."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    amount_fen = fields.IntField()
    applies_on = fields.DateField()  # today for a credit, the next bill's first day for 调账
    refund: fields.OneToOneNullableRelation[Refund] = fields.OneToOneField(
        "models.Refund", related_name="ledger_entry", null=True, on_delete=fields.RESTRICT
    )
    compensation: fields.OneToOneNullableRelation[Compensation] = fields.OneToOneField(
        "models.Compensation", related_name="ledger_entry", null=True, on_delete=fields.RESTRICT
    )
    note = fields.TextField(default="")
    created_at = DomainDatetimeField(auto_now_add=True)
    customer_id: int
    refund_id: int | None
    compensation_id: int | None

    class Meta:
        table = "credit_ledger"
        indexes = (Index(fields=("customer_id", "id")),)


class RiskProfile(Model):
    """K-1..K-3: the customer's place on the special-customer list, kept current by execution.

    `special`, `since` and `leaves_on` are as of `computed_on`; a reader applies K-2's exit
    (today >= leaves_on, or a cancelled number) without writing.
    """

    id = fields.IntField(primary_key=True)
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="risk_profile", on_delete=fields.RESTRICT
    )
    special = fields.BooleanField(default=False)
    since = fields.DateField(null=True)
    leaves_on = fields.DateField(null=True)
    left_on = fields.DateField(null=True)
    triggered_by: fields.Field[list[str]] = fields.JSONField(default=list)
    trigger_figures: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    reasons: fields.Field[list[str]] = fields.JSONField(default=list)
    computed_on = fields.DateField()
    last_refund_id = fields.IntField(null=True)
    updated_at = DomainDatetimeField(auto_now=True)
    customer_id: int

    class Meta:
        table = "risk_profiles"


class IdempotencyKey(Model):
    """A money-moving request already handled: the same key and input get the first result.

    Keys are the caller's own: unique per scope and actor (a member of staff, or a partner),
    so another caller's identical key is another request."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=40)
    key = fields.CharField(max_length=128)
    actor_id = fields.IntField()
    request_hash = fields.CharField(max_length=64)
    result_id = fields.IntField(null=True)
    created_at = DomainDatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("scope", "actor_id", "key"),)
