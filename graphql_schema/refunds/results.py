"""Refund pages and filters, compensation records, and the policy preview's answer."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from graphql_schema.complaints.types import PageInfo
from graphql_schema.enums import Role, Track
from graphql_schema.ids import Node, global_id
from graphql_schema.refunds.details import typed, typed_text
from graphql_schema.refunds.enums import (
    ApproverTitle,
    BusinessType,
    CompensationKind,
    CompensationStatus,
    DeadlineStart,
    DeadlineUnit,
    FeeWaiver,
    Flow,
    GiftGround,
    Multiple,
    OutageCause,
    RefundMethod,
    RefundStatus,
    Transport,
)
from graphql_schema.refunds.types import Refund
from graphql_schema.staff.types import StaffMember
from graphql_schema.wording import localize, localize_all
from services.refunds.decisions import CustomerFacts as FactsValue
from services.refunds.decisions import RefundDecision
from services.refunds.models import Compensation as CompensationRow


@strawberry.type(description="A refund on a page, with the cursor to continue after it.")
class RefundEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the refunds after this.")
    node: Refund = strawberry.field(description="The refund.")


@strawberry.type(description="A page of refunds, newest first (Relay-style connection).")
class RefundConnection:
    edges: list[RefundEdge] = strawberry.field(description="The refunds on this page.")
    page_info: PageInfo = strawberry.field(description="How to get the next page.")
    total_count: int = strawberry.field(description="How many refunds match the filter in all.")


@strawberry.input(description="Narrow a refund list; every given criterion must hold (AND).")
class RefundFilterInput:
    status: list[RefundStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    band: list[int] | None = strawberry.field(default=None, description="Any of these bands.")
    track: Track | None = strawberry.field(default=None, description="On this track.")
    awaiting_my_approval: bool | None = strawberry.field(
        default=None,
        description="true: only what you may approve now: waiting for approval, on your track, "
        "within your band, not requested by you (R-12).",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Of this customer."
    )
    msisdn: str | None = strawberry.field(
        default=None, description="Of the customer with this number."
    )
    complaint_id: strawberry.ID | None = strawberry.field(
        default=None, description="On this complaint."
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Requested at or after this instant."
    )
    created_to: datetime | None = strawberry.field(
        default=None, description="Requested before this instant."
    )
    overdue: bool | None = strawberry.field(
        default=None,
        description="true: only open refunds with an R-13 step overdue (`overdue`); false: "
        "only those without.",
    )
    mine: bool | None = strawberry.field(
        default=None,
        description="true: only refunds on complaints you own: a handler's queue (with "
        "`overdue: true`, what is late).",
    )


async def _reasons(root: Compensation, info: strawberry.Info) -> list[str]:
    """R-10's reasons quote the special decision's text: numbers typed there masked (C-12)."""
    return [localize(await typed_text(info, root.complaint_pk, r)) for r in root.typed_reasons]


@strawberry.type(description="R-10 compensation recorded on a complaint; never a refund.")
class Compensation(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    kind: CompensationKind = strawberry.field(description="Fee waiver, gift or travel fare.")
    waiver: FeeWaiver | None = strawberry.field(description="Which fee is waived, for waivers.")
    transport: Transport | None = strawberry.field(description="The fare's transport, for fares.")
    value_fen: int = strawberry.field(description="Its value in fen.")
    description: str = strawberry.field(
        resolver=typed("description"), description="What was given."
    )
    service_code: str = strawberry.field(description="The service whose fee is waived.")
    period_from: date | None = strawberry.field(description="Waived from this day.")
    period_to: date | None = strawberry.field(description="Waived up to this day, inclusive.")
    invoice_ref: str = strawberry.field(description="The fare's invoice.")
    reasons: list[str] = strawberry.field(
        resolver=_reasons,
        description="Why the rules allow it (R-10), in words: Chinese, or English by "
        "`Accept-Language: en`.",
    )
    status: CompensationStatus = strawberry.field(
        description="Recorded within the rules, or a special decision and where it is."
    )
    gift_ground: GiftGround | None = strawberry.field(description="For gifts: why it is given.")
    visited_on: date | None = strawberry.field(description="For visit gifts: the visit's day.")
    exposed_problem: str = strawberry.field(
        resolver=typed("exposed_problem"),
        description="For gifts settled on site: the problem the customer's input exposed.",
    )
    outage_cause: OutageCause | None = strawberry.field(
        description="For fee waivers: who made the service unusable."
    )
    special_reason: str = strawberry.field(
        resolver=typed("special_reason"),
        description="The documented special decision of a demand beyond the rules; empty "
        "within them.",
    )
    special_band: int | None = strawberry.field(
        description="The approval band (R-12) its special decision needs: the band above."
    )
    decided_at: datetime | None = strawberry.field(
        description="When its special decision was approved or rejected."
    )
    decision_note: str = strawberry.field(
        resolver=typed("decision_note"), description="The approver's note or reason."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    complaint_id: strawberry.ID = strawberry.field(description="The complaint it is recorded on.")
    recorded_by_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int | None]
    complaint_pk: strawberry.Private[int]
    typed_reasons: strawberry.Private[list[str]]
    texts: strawberry.Private[dict[str, str]]

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: strawberry.Info) -> StaffMember | None:
        row = await info.context.loaders.staff_by_id.load(self.recorded_by_id)
        return StaffMember.from_row(row) if row else None

    @strawberry.field(description="Who approved or rejected its special decision, if anyone.")
    async def decided_by(self, info: strawberry.Info) -> StaffMember | None:
        if self.decided_by_id is None:
            return None
        row = await info.context.loaders.staff_by_id.load(self.decided_by_id)
        return StaffMember.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: CompensationRow) -> Compensation:
        return cls(
            id=global_id("Compensation", row.id),
            pk=row.id,
            kind=CompensationKind(row.kind),
            waiver=FeeWaiver(row.waiver) if row.waiver else None,
            transport=Transport(row.transport) if row.transport else None,
            value_fen=row.value_fen,
            service_code=row.service_code,
            period_from=row.period_from,
            period_to=row.period_to,
            invoice_ref=row.invoice_ref,
            status=CompensationStatus(row.status),
            gift_ground=GiftGround(row.gift_ground) if row.gift_ground else None,
            visited_on=row.visited_on,
            outage_cause=OutageCause(row.outage_cause) if row.outage_cause else None,
            special_band=row.special_band,
            decided_at=row.decided_at,
            created_at=row.created_at,
            complaint_id=global_id("Complaint", row.complaint_id),
            recorded_by_id=row.recorded_by_id,
            decided_by_id=row.decided_by_id,
            complaint_pk=row.complaint_id,
            typed_reasons=list(row.reasons),
            texts={name: getattr(row, name) for name in COMPENSATION_TEXTS},
        )


# C-12: the compensation's free texts, in which a handler may have typed a number
COMPENSATION_TEXTS = ("description", "exposed_problem", "special_reason", "decision_note")


@strawberry.type(description="One R-13 time limit, as a duration from a step.")
class RefundDeadline:
    what: str = strawberry.field(
        description="What must be done: Chinese, or English by `Accept-Language: en`."
    )
    amount: int = strawberry.field(description="How many units.")
    unit: DeadlineUnit = strawberry.field(description="Hours, working days or bills.")
    measured_from: DeadlineStart = strawberry.field(description="The step it counts from.")


@strawberry.type(description="What the rules knew about the customer when deciding.")
class CustomerFacts:
    vip: bool = strawberry.field(description="VIP: verified within 1 working day (R-13).")
    tenure_days: int = strawberry.field(description="Days on the network (R-7(c)).")
    good_credit: bool = strawberry.field(description="Good credit record (R-7(c)).")
    first_fee_dispute_this_year: bool = strawberry.field(description="R-7(d).")
    refunds_last_3_months: int = strawberry.field(
        description="Refunds executed this calendar month and the two before (R-7(d))."
    )
    first_refund: bool = strawberry.field(description="No refund executed before (R-12 band 0).")
    special: bool = strawberry.field(description="A special customer (K-1; R-9, K-4).")

    @classmethod
    def of(cls, facts: FactsValue) -> CustomerFacts:
        return cls(
            vip=facts.vip,
            tenure_days=facts.tenure_days,
            good_credit=facts.good_credit,
            first_fee_dispute_this_year=facts.first_fee_dispute_this_year,
            refunds_last_3_months=facts.refunds_last_3_months,
            first_refund=facts.first_refund,
            special=facts.special,
        )


@strawberry.type(
    description="What the refund rules would decide for a request; nothing was written."
)
class RefundPolicyDecision:
    business_type: BusinessType = strawberry.field(description="R-2.")
    multiple: Multiple = strawberry.field(description="R-4.")
    overcharge_fen: int = strawberry.field(description="R-5: charged minus due, at least 0.")
    refund_fen: int = strawberry.field(description="R-5: the refund in fen; 0 when none is due.")
    method: RefundMethod = strawberry.field(description="R-6.")
    flow: Flow = strawberry.field(description="R-7/R-8/R-9.")
    flow_clause: str = strawberry.field(description="The clause that decided the flow.")
    flow_clauses: list[str] = strawberry.field(
        description="Every R-7 clause that held, even when R-9 overrides them."
    )
    band: int | None = strawberry.field(description="R-12 band; null when nothing is due.")
    refunds_directly: bool = strawberry.field(description="Band 0: refunded without approval.")
    branch_approver: ApproverTitle | None = strawberry.field(description="Branch-track approver.")
    service_centre_approver: ApproverTitle | None = strawberry.field(
        description="Service-centre approver."
    )
    approver_role: Role | None = strawberry.field(description="The lowest role that approves.")
    goodwill_allowed: bool = strawberry.field(
        description="K-4: false when a special customer found not liable gets no goodwill refund."
    )
    deadlines: list[RefundDeadline] = strawberry.field(description="R-13 time limits.")
    facts: CustomerFacts = strawberry.field(description="What was known about the customer.")
    reasons: list[str] = strawberry.field(
        description="Every rule's reasons, in words: Chinese, or English by `Accept-Language: en`."
    )

    @classmethod
    def of(cls, decision: RefundDecision) -> RefundPolicyDecision:
        band = decision.band
        return cls(
            business_type=decision.business_type,
            multiple=decision.amount.multiple,
            overcharge_fen=decision.amount.overcharge_fen,
            refund_fen=decision.amount.refund_fen,
            method=decision.amount.method,
            flow=decision.flow.flow,
            flow_clause=decision.flow.clause,
            flow_clauses=list(decision.flow.clauses),
            band=band.band if band else None,
            refunds_directly=bool(band and band.refunds_directly),
            branch_approver=band.branch_approver if band else None,
            service_centre_approver=band.service_centre_approver if band else None,
            approver_role=Role(band.role.value) if band else None,
            goodwill_allowed=decision.goodwill.allowed,
            deadlines=[
                RefundDeadline(
                    what=localize(d.what),
                    amount=d.amount,
                    unit=d.unit,
                    measured_from=d.measured_from,
                )
                for d in decision.deadlines.deadlines
            ],
            facts=CustomerFacts.of(decision.facts),
            reasons=localize_all([*decision.reasons, *decision.goodwill.reasons]),
        )
