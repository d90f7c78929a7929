"""The parts of a refund: approvals, history, picked charge lines, the credit, verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from graphql_schema.enums import Track
from graphql_schema.permissions import sees_complaint_private
from graphql_schema.refunds.enums import ApprovalDecision, ChargeCategory, LedgerKind, Liability
from graphql_schema.staff.types import StaffMember
from graphql_schema.wording import localize
from services.phones import mask_in_text
from services.refunds.models import LedgerEntry as LedgerRow
from services.refunds.models import Refund as RefundRow
from services.refunds.models import RefundApproval as ApprovalRow
from services.refunds.models import RefundEvent as EventRow
from services.refunds.models import RefundLine as LineRow
from services.refunds.models import RefundStatus


async def staff_member(info: strawberry.Info, staff_id: int | None) -> StaffMember | None:
    if staff_id is None:
        return None
    row = await info.context.loaders.staff_by_id.load(staff_id)
    return StaffMember.from_row(row) if row else None


async def typed_text(info: strawberry.Info, complaint_id: int, text: str) -> str:
    """C-12: a free text of a refund or compensation as typed, for those who see its
    complaint's private data; for anyone else the numbers typed into it are masked."""
    if not text:
        return text
    complaint = await info.context.loaders.complaint_by_id.load(complaint_id)
    if complaint is not None and sees_complaint_private(info.context.staff, complaint):
        return text
    return mask_in_text(text)


def typed(name: str, *, worded: bool = False) -> Any:
    """A resolver of the free text kept in `texts[name]`, masked by `typed_text` (C-12);
    `worded`: a text the system may have written, read in this request's language."""

    async def resolve(root: Any, info: strawberry.Info) -> str:
        text = await typed_text(info, root.complaint_pk, root.texts[name])
        return localize(text) if worded else text

    return resolve


@strawberry.type(description="One approver's decision on a refund (R-12); one per round.")
class Approval:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    round: int = strawberry.field(description="Approval round; a change of amount opens the next.")
    decision: ApprovalDecision = strawberry.field(description="APPROVED or REJECTED.")
    band: int = strawberry.field(description="The refund's band (0-4) when decided.")
    approver_band: int = strawberry.field(description="The highest band the approver may approve.")
    track: Track = strawberry.field(description="The track it was decided on.")
    amount_fen: int = strawberry.field(description="The amount approved or rejected, in fen.")
    reason: str = strawberry.field(
        resolver=typed("reason"), description="The approver's note; the reason of a rejection."
    )
    decided_at: datetime = strawberry.field(description="When.")
    approver_id: strawberry.Private[int]
    complaint_pk: strawberry.Private[int]
    texts: strawberry.Private[dict[str, str]]

    @strawberry.field(description="Who decided.")
    async def approver(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.approver_id)

    @classmethod
    def from_row(cls, row: ApprovalRow, complaint_id: int) -> Approval:
        return cls(
            id=strawberry.ID(str(row.id)),
            round=row.round,
            decision=ApprovalDecision(row.decision),
            band=row.band,
            approver_band=row.approver_band,
            track=Track(row.track),
            amount_fen=row.amount_fen,
            decided_at=row.decided_at,
            approver_id=row.approver_id,
            complaint_pk=complaint_id,
            texts={"reason": row.reason},
        )


@strawberry.type(description="One entry of a refund's append-only history.")
class RefundEvent:
    id: strawberry.ID = strawberry.field(description="Stable id; increases with time.")
    at: datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(description="The step, e.g. `requested`, `approved`.")
    from_status: RefundStatus | None = strawberry.field(
        description="Status before; null when it was created."
    )
    to_status: RefundStatus = strawberry.field(description="Status after.")
    reason: str = strawberry.field(
        resolver=typed("reason", worded=True),
        description="Why, as given by the person or the rules. What the rules wrote reads in "
        "Chinese, or English by `Accept-Language: en`; a person's own words as typed.",
    )
    actor_id: strawberry.Private[int | None]
    complaint_pk: strawberry.Private[int]
    texts: strawberry.Private[dict[str, str]]

    @strawberry.field(description="Who did it; null when the system did it.")
    async def actor(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.actor_id)

    @classmethod
    def from_row(cls, row: EventRow, complaint_id: int) -> RefundEvent:
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            action=row.action,
            from_status=RefundStatus(row.from_status) if row.from_status else None,
            to_status=RefundStatus(row.to_status),
            actor_id=row.actor_id,
            complaint_pk=complaint_id,
            texts={"reason": row.reason},
        )


@strawberry.type(description="A billed charge picked for a quick refund (R-11).")
class RefundLine:
    description: str = strawberry.field(
        resolver=typed("description"), description="The charge as billed."
    )
    service_code: str = strawberry.field(description="Service code; may be empty.")
    sp_code: str = strawberry.field(description="Partner (SP) code; may be empty.")
    billed_on: date | None = strawberry.field(description="When it was billed.")
    charged_fen: int = strawberry.field(description="The amount charged, in fen.")
    complaint_pk: strawberry.Private[int]
    texts: strawberry.Private[dict[str, str]]

    @classmethod
    def from_row(cls, row: LineRow, complaint_id: int) -> RefundLine:
        return cls(
            complaint_pk=complaint_id,
            texts={"description": row.description},
            service_code=row.service_code,
            sp_code=row.sp_code,
            billed_on=row.billed_on,
            charged_fen=row.charged_fen,
        )


@strawberry.type(description="Money credited to the customer by an executed refund or a fare.")
class Credit:
    kind: LedgerKind = strawberry.field(description="Account credit, bill adjustment, cash, fare.")
    amount_fen: int = strawberry.field(description="The amount, in fen.")
    applies_on: date = strawberry.field(
        description="The day it reaches the account: a bill adjustment on next month's bill."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_row(cls, row: LedgerRow) -> Credit:
        return cls(
            kind=LedgerKind(row.kind),
            amount_fen=row.amount_fen,
            applies_on=row.applies_on,
            created_at=row.created_at,
        )


@strawberry.type(
    description="R-11 verification as stored: cause, measures, refund yes/no, the liability and "
    "amounts found, and the amount the rules make due on them."
)
class RefundVerification:
    verified_at: datetime = strawberry.field(description="When verification finished.")
    cause: str = strawberry.field(resolver=typed("cause"), description="The cause found.")
    measures: str = strawberry.field(
        resolver=typed("measures"), description="What was done about it."
    )
    refund_due: bool = strawberry.field(description="The verifier's answer: is a refund due?")
    liability: Liability = strawberry.field(description="The liability found (R-3, K-4).")
    charge_category: ChargeCategory = strawberry.field(
        description="What the charge was found to be."
    )
    charged_fen: int = strawberry.field(description="What was charged, as found, in fen.")
    should_have_charged_fen: int = strawberry.field(
        description="What should have been charged, as found, in fen."
    )
    due_fen: int = strawberry.field(
        description="What the rules (K-4, R-4, R-5) make due on these findings; 0: nothing. "
        "Refund first: 0 before execution stopped the refund (DECLINED, the customer told)."
    )
    recover_fen: int = strawberry.field(
        description="Paid before verification beyond what is due, to be recovered (an audit "
        "finding R-11 recover_after_verification); 0 when nothing."
    )
    verified_by_id: strawberry.Private[int | None]
    complaint_pk: strawberry.Private[int]
    texts: strawberry.Private[dict[str, str]]

    @strawberry.field(description="Who verified it.")
    async def verified_by(self, info: strawberry.Info) -> StaffMember | None:
        return await staff_member(info, self.verified_by_id)

    @classmethod
    def of(cls, row: RefundRow) -> RefundVerification | None:
        """None until verified (and for verifications older than the whole record, migration
        0012: the refund's `verificationCause` and `verificationMeasures` hold those)."""
        if row.verified_at is None or row.verification_refund_due is None:
            return None
        due = row.verification_due_fen or 0
        paid = row.status is RefundStatus.EXECUTED
        return cls(
            verified_at=row.verified_at,
            complaint_pk=row.complaint_id,
            texts={"cause": row.verification_cause, "measures": row.verification_measures},
            refund_due=row.verification_refund_due,
            liability=Liability(row.verification_liability or row.liability),
            charge_category=ChargeCategory(row.verification_charge_category or row.charge_category),
            charged_fen=_or(row.verification_charged_fen, row.charged_fen),
            should_have_charged_fen=_or(
                row.verification_should_have_charged_fen, row.should_have_charged_fen
            ),
            due_fen=due,
            recover_fen=max(row.refund_fen - due, 0) if paid else 0,
            verified_by_id=row.verified_by_id,
        )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value
