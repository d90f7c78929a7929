"""A refund work order as a frontend sees it; amounts are Int fen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graphql_schema.abilities import RefundViewerCan, refund_abilities
from graphql_schema.customers.types import Customer
from graphql_schema.enums import Role, Track
from graphql_schema.ids import Node, global_id
from graphql_schema.notices.types import Notice
from graphql_schema.permissions import sees_complaint_private
from graphql_schema.refunds.details import (
    Approval,
    Credit,
    RefundEvent,
    RefundLine,
    RefundVerification,
    staff_member,
    typed_text,
)
from graphql_schema.refunds.enums import (
    ApproverTitle,
    BusinessType,
    ChargeCategory,
    Flow,
    Liability,
    Multiple,
    RefundDeadlineKind,
    RefundMethod,
    RefundStatus,
)
from graphql_schema.staff.types import StaffMember
from graphql_schema.wording import localize_all
from services import clock
from services.permissions.guard import complaint_facts
from services.permissions.table import Actor, RefundFacts
from services.refunds import enforcement, policy
from services.refunds.kinds import Flow as FlowValue
from services.refunds.models import Refund as RefundRow
from services.refunds.models import RefundStatus as RefundStatusValue

if TYPE_CHECKING:
    from graphql_schema.complaints.types import Complaint


def masked_text(what: str) -> str:
    return f"{what} Numbers typed into it are masked unless `phoneVisible` (C-12)."


@strawberry.type(description="A refund work order on a complaint (R-1), with the rules' decisions.")
class Refund(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    status: RefundStatus = strawberry.field(description="Where it is in the R-11 flow.")
    track: Track = strawberry.field(description="The requester's track; approvals follow it.")
    business_type: BusinessType = strawberry.field(description="R-2.")
    liability: Liability = strawberry.field(description="R-3, as verified when verified.")
    charge_category: ChargeCategory = strawberry.field(description="What the refund is for.")
    border_roaming: bool = strawberry.field(description="Border roaming: not counted by K-1.")
    sp_code: str = strawberry.field(description="Partner (SP) code for partner services.")
    service_code: str = strawberry.field(description="Service or product concerned.")
    quick: bool = strawberry.field(description="Taken by the quick refund path (R-11).")
    charged_fen: int = strawberry.field(description="What was charged, in fen.")
    should_have_charged_fen: int = strawberry.field(description="What should have been charged.")
    overcharge_fen: int = strawberry.field(description="Charged minus due, never below 0 (R-5).")
    refund_fen: int = strawberry.field(description="The refund: once or twice the overcharge.")
    multiple: Multiple = strawberry.field(description="R-4: single or double.")
    method: RefundMethod = strawberry.field(description="R-6: how the money goes back.")
    flow: Flow = strawberry.field(description="R-7/R-8/R-9: refund first or verify first.")
    flow_clause: str = strawberry.field(description="The clause that decided the flow.")
    band: int = strawberry.field(description="R-12 approval band, 0 (refunded directly) to 4.")
    special_customer: bool = strawberry.field(description="Special customer at request (R-9).")
    vip: bool = strawberry.field(description="VIP: verified within 1 working day (R-13).")
    reasons: list[str] = strawberry.field(
        description="Every rule's reasons, in words: Chinese, or English by `Accept-Language: en`."
    )
    approval_round: int = strawberry.field(description="The current approval round.")
    verified_at: datetime | None = strawberry.field(description="When verification finished.")
    verification: RefundVerification | None = strawberry.field(
        description="R-11 verification stored whole (refund yes/no, amounts, amount due); "
        "null until verified."
    )
    approved_at: datetime | None = strawberry.field(description="When approved (this round).")
    confirmed_at: datetime | None = strawberry.field(
        description="When the customer confirmed the amount (R-11)."
    )
    executed_at: datetime | None = strawberry.field(description="When it was executed.")
    closed_at: datetime | None = strawberry.field(description="When it was closed unpaid.")
    verify_due_at: datetime | None = strawberry.field(description="R-13 verification deadline.")
    agree_due_at: datetime | None = strawberry.field(
        description="R-13: a bill adjustment's amount and date agreed by then."
    )
    execute_due_at: datetime | None = strawberry.field(description="R-13 execution deadline.")
    due_step: RefundDeadlineKind | None = strawberry.field(
        description="R-13: the step whose time limit runs now (the earliest not taken); null "
        "once the refund is executed or closed."
    )
    due_at: datetime | None = strawberry.field(
        description="R-13: when `dueStep` is due (working days on the calendar, C-7)."
    )
    overdue: bool = strawberry.field(
        description="R-13: `dueAt` has passed and the step was not taken; the worker marks it "
        "breached within a minute and tells the complaint's owner and the approver."
    )
    created_at: datetime = strawberry.field(description="When it was requested.")
    updated_at: datetime = strawberry.field(description="Last change.")
    complaint_id: strawberry.Private[int]
    customer_id: strawberry.Private[int]
    requested_by_id: strawberry.Private[int]
    verified_by_id: strawberry.Private[int | None]
    approved_by_id: strawberry.Private[int | None]
    executed_by_id: strawberry.Private[int | None]

    texts: strawberry.Private[dict[str, str]]

    async def _text(self, info: strawberry.Info, name: str) -> str:
        """C-12: a free text as typed for those who handle the complaint; for anyone else the
        phone numbers typed into it are masked (138****1234)."""
        return await typed_text(info, self.complaint_id, self.texts[name])

    @strawberry.field(description=masked_text("The matter, as the SMS names it (R-14)."))
    async def matter(self, info: strawberry.Info) -> str:
        return await self._text(info, "matter")

    @strawberry.field(description=masked_text("The cause recorded at intake."))
    async def cause(self, info: strawberry.Info) -> str:
        return await self._text(info, "cause")

    @strawberry.field(description=masked_text("Why cash, if cash (R-6)."))
    async def cash_exception_reason(self, info: strawberry.Info) -> str:
        return await self._text(info, "cash_exception_reason")

    @strawberry.field(description=masked_text("The cause verification found."))
    async def verification_cause(self, info: strawberry.Info) -> str:
        return await self._text(info, "verification_cause")

    @strawberry.field(description=masked_text("What was done about it."))
    async def verification_measures(self, info: strawberry.Info) -> str:
        return await self._text(info, "verification_measures")

    @strawberry.field(description=masked_text("How the customer confirmed."))
    async def confirmation_note(self, info: strawberry.Info) -> str:
        return await self._text(info, "confirmation_note")

    @strawberry.field(description=masked_text("Why rejected, declined or cancelled."))
    async def closed_reason(self, info: strawberry.Info) -> str:
        return await self._text(info, "closed_reason")

    @strawberry.field(description="R-12: who approves this band on this track.")
    def approver_title(self) -> ApproverTitle:
        return ApproverTitle(policy.approver_for(self.band, policy.Track(self.track.value)))

    @strawberry.field(description="The lowest staff role that may approve it (R-12).")
    def approver_role(self) -> Role:
        return Role(policy.BAND_ROLES[self.band].value)

    @strawberry.field(
        description="Whether the customer's number and name are shown to you in full (C-12)."
    )
    async def phone_visible(self, info: strawberry.Info) -> bool:
        complaint = await info.context.loaders.complaint_by_id.load(self.complaint_id)
        return complaint is not None and sees_complaint_private(info.context.staff, complaint)

    @strawberry.field(description="The complaint it belongs to (R-1).")
    async def complaint(
        self, info: strawberry.Info
    ) -> Annotated[Complaint, strawberry.lazy("graphql_schema.complaints.types")]:
        from graphql_schema.complaints.types import Complaint

        row = await info.context.loaders.complaint_by_id.load(self.complaint_id)
        return Complaint.from_row(row, info.context.staff, info.context.loaders)

    @strawberry.field(description="The customer; the number is masked unless `phoneVisible`.")
    async def customer(self, info: strawberry.Info) -> Customer:
        row = await info.context.loaders.customer_by_id.load(self.customer_id)
        visible = await self.phone_visible(info)
        return Customer.from_row(row, phone_visible=visible, private=visible)

    @strawberry.field(description="Who requested it.")
    async def requested_by(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.requested_by_id)

    @strawberry.field(description="Who verified it.")
    async def verified_by(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.verified_by_id)

    @strawberry.field(description="Who approved it (this round).")
    async def approved_by(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.approved_by_id)

    @strawberry.field(description="Who executed it.")
    async def executed_by(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.executed_by_id)

    @strawberry.field(description="Every approver's decision, oldest first.")
    async def approvals(self, info: strawberry.Info) -> list[Approval]:
        rows = await info.context.loaders.approvals_by_refund.load(self.pk)
        return [Approval.from_row(r, self.complaint_id) for r in rows]

    @strawberry.field(description="The append-only history, oldest first.")
    async def history(self, info: strawberry.Info) -> list[RefundEvent]:
        rows = await info.context.loaders.refund_events_by_refund.load(self.pk)
        return [RefundEvent.from_row(r, self.complaint_id) for r in rows]

    @strawberry.field(description="The billed charges of a quick refund; empty otherwise.")
    async def lines(self, info: strawberry.Info) -> list[RefundLine]:
        rows = await info.context.loaders.lines_by_refund.load(self.pk)
        return [RefundLine.from_row(r, self.complaint_id) for r in rows]

    @strawberry.field(description="The credit written when it was executed; null before.")
    async def credit(self, info: strawberry.Info) -> Credit | None:
        row = await info.context.loaders.credit_by_refund.load(self.pk)
        return Credit.from_row(row) if row else None

    @strawberry.field(
        description="The SMS of R-14 (exactly one once executed); text only if `phoneVisible`."
    )
    async def notices(self, info: strawberry.Info) -> list[Notice]:
        rows = await info.context.loaders.notices_by_refund.load(self.pk)
        visible = await self.phone_visible(info)
        return [Notice.from_row(r, visible=visible) for r in rows]

    @strawberry.field(
        description="What you may do to it now (the permission table, R-12, and the R-11 flow)."
    )
    async def viewer_can(self, info: strawberry.Info) -> RefundViewerCan:
        complaint = await info.context.loaders.complaint_by_id.load(self.complaint_id)
        facts = RefundFacts(
            complaint=complaint_facts(complaint),
            requester_id=self.requested_by_id,
            band=self.band,
            track=self.track.value,
        )
        return RefundViewerCan(
            **refund_abilities(
                Actor.of(info.context.staff),
                facts,
                RefundStatusValue(self.status.value),
                flow=FlowValue(self.flow.value),
                verified=self.verified_at is not None,
            )
        )

    @classmethod
    def from_row(cls, row: RefundRow) -> Refund:
        return cls(
            id=global_id("Refund", row.id),
            pk=row.id,
            status=RefundStatus(row.status),
            track=Track(row.track),
            business_type=BusinessType(row.business_type),
            liability=Liability(row.liability),
            charge_category=ChargeCategory(row.charge_category),
            border_roaming=row.border_roaming,
            sp_code=row.sp_code,
            service_code=row.service_code,
            quick=row.quick,
            charged_fen=row.charged_fen,
            should_have_charged_fen=row.should_have_charged_fen,
            overcharge_fen=row.overcharge_fen,
            refund_fen=row.refund_fen,
            multiple=Multiple(row.multiple),
            method=RefundMethod(row.method),
            flow=Flow(row.flow),
            flow_clause=row.flow_clause,
            band=row.band,
            special_customer=row.special_customer,
            vip=row.vip,
            reasons=localize_all(row.reasons),
            approval_round=row.approval_round,
            verified_at=row.verified_at,
            verification=RefundVerification.of(row),
            approved_at=row.approved_at,
            confirmed_at=row.confirmed_at,
            executed_at=row.executed_at,
            closed_at=row.closed_at,
            verify_due_at=row.verify_due_at,
            agree_due_at=row.agree_due_at,
            execute_due_at=row.execute_due_at,
            **_running(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
            texts={name: getattr(row, name) for name in FREE_TEXTS},
            complaint_id=row.complaint_id,
            customer_id=row.customer_id,
            requested_by_id=row.requested_by_id,
            verified_by_id=row.verified_by_id,
            approved_by_id=row.approved_by_id,
            executed_by_id=row.executed_by_id,
        )


# C-12: the refund's free texts, in which a handler may have typed a number
FREE_TEXTS = (
    "matter",
    "cause",
    "cash_exception_reason",
    "verification_cause",
    "verification_measures",
    "confirmation_note",
    "closed_reason",
)


def _running(row: RefundRow) -> dict[str, Any]:
    """R-13: the limit that runs now, and whether it has passed."""
    running = enforcement.running(row)
    if running is None:
        return {"due_step": None, "due_at": None, "overdue": False}
    kind, due = running
    return {"due_step": kind, "due_at": due, "overdue": due < clock.now()}
