"""Refund enums exposed to GraphQL, each with what a frontend needs to know."""

from __future__ import annotations

import strawberry

from services.refunds import models as m
from services.refunds import policy as p
from services.refunds.deadline_models import RefundDeadlineKind

strawberry.enum(
    m.RefundStatus,
    name="RefundStatus",
    description=(
        "Where a refund work order is (R-11): VERIFYING (verify first) → AWAITING_APPROVAL "
        "(band 1-4) → AWAITING_CONFIRMATION (the customer confirms the amount) → CONFIRMED → "
        "EXECUTED. Band 0 skips approval. REJECTED by an approver, DECLINED by verification "
        "(incl. K-4), CANCELLED before execution."
    ),
)
RefundStatus = m.RefundStatus
strawberry.enum(
    RefundDeadlineKind,
    name="RefundDeadlineKind",
    description=(
        "An R-13 time limit of a refund, by the step that meets it: VERIFY (verify first: 1 "
        "working day for VIP customers, 3 for others), AGREE (a bill adjustment's amount and "
        "date agreed within 3 working days), EXECUTE (48 hours refund first, 3 working days "
        "verify first, from the customer's confirmation)."
    ),
)
strawberry.enum(
    p.BusinessType,
    name="BusinessType",
    description="R-2: self-operated (自营), partner/SP (合作) or service error (服务差错).",
)
BusinessType = p.BusinessType
strawberry.enum(
    p.Liability,
    name="Liability",
    description="R-3: COMPANY_LIABLE (赔偿性) or NOT_LIABLE, a goodwill refund (补偿性).",
)
Liability = p.Liability
strawberry.enum(
    p.ChargeCategory,
    name="ChargeCategory",
    description=(
        "What the refund is for. The first ten (call records … discount not applied) are R-4's "
        "billing errors: refunded double when the company is liable and overcharged."
    ),
)
ChargeCategory = p.ChargeCategory
strawberry.enum(p.Multiple, name="RefundMultiple", description="R-4: single or double refund.")
Multiple = p.Multiple
strawberry.enum(
    p.RefundMethod,
    name="RefundMethod",
    description=(
        "R-6: ACCOUNT_CREDIT (账户充值); BILL_ADJUSTMENT (调账, on next month's bill); CASH only "
        "for a single refund by documented exception."
    ),
)
RefundMethod = p.RefundMethod
strawberry.enum(
    p.Flow,
    name="RefundFlow",
    description="R-7/R-8: REFUND_FIRST (先退费、后查证) or VERIFY_FIRST (先查证、后退费).",
)
Flow = p.Flow
strawberry.enum(
    m.ApprovalDecision, name="ApprovalDecision", description="An approver's decision (R-12)."
)
ApprovalDecision = m.ApprovalDecision
strawberry.enum(
    p.ApproverTitle,
    name="ApproverTitle",
    description="R-12: who approves (band 0: refunds directly) on the branch or centre track.",
)
ApproverTitle = p.ApproverTitle
strawberry.enum(
    m.LedgerKind, name="CreditKind", description="How money reached the customer's account."
)
LedgerKind = m.LedgerKind
strawberry.enum(
    m.CompensationKind,
    name="CompensationKind",
    description="R-10: a fee waiver, a visit gift, or travel fares credited on an invoice.",
)
CompensationKind = m.CompensationKind
strawberry.enum(
    m.FeeWaiver,
    name="FeeWaiver",
    description=(
        "R-10: MISSED_CALL_ALERT_YEAR (voice unresolved 3 months on) or FUNCTION_FEE of an "
        "unusable subscribed service for the affected period."
    ),
)
FeeWaiver = m.FeeWaiver
strawberry.enum(
    m.Transport,
    name="Transport",
    description="R-10 travel fares: coach, taxi or metro on invoice; CITY_BUS is excepted.",
)
Transport = m.Transport
strawberry.enum(
    m.CompensationStatus,
    name="CompensationStatus",
    description=(
        "R-10: RECORDED within the rules; a demand beyond them is AWAITING_APPROVAL with its "
        "documented special decision, then APPROVED (a fare is credited) or REJECTED."
    ),
)
CompensationStatus = m.CompensationStatus
strawberry.enum(
    m.GiftGround,
    name="GiftGround",
    description=(
        "R-10: why a gift is given: VISIT (a handler visiting the customer) or SETTLED_ON_SITE "
        "(an escalated, company-liable complaint settled on site where the customer's input "
        "exposed a real problem)."
    ),
)
GiftGround = m.GiftGround
strawberry.enum(
    m.OutageCause,
    name="OutageCause",
    description="R-10 fee waivers: who made the service unusable, the COMPANY or a PARTNER.",
)
OutageCause = m.OutageCause
strawberry.enum(
    p.DeadlineUnit, name="DeadlineUnit", description="R-13: hours, working days or bills."
)
DeadlineUnit = p.DeadlineUnit
strawberry.enum(
    p.DeadlineStart,
    name="DeadlineStart",
    description="R-13: the step a refund time limit is measured from.",
)
DeadlineStart = p.DeadlineStart
