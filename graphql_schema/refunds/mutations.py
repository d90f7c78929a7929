"""Refund mutations: one per step of R-11, thin wrappers over the services.

Every money-moving mutation (create, quick refund, change of amount, approve, execute,
record compensation) takes an optional `idempotencyKey`: the same key with the same input
returns the first result, with another input an InputError IDEMPOTENCY_MISMATCH.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from graphql_schema.errors import (
    AuthenticationError,
    ConflictError,
    IllegalTransitionError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    error_type,
    run_mutation,
    unauthenticated,
)
from graphql_schema.ids import parse_id
from graphql_schema.refunds.inputs import (
    CreateRefundInput,
    QuickRefundInput,
    RecordCompensationInput,
    VerifyRefundInput,
)
from graphql_schema.refunds.results import Compensation
from graphql_schema.refunds.special_compensation import SpecialCompensationMutations
from graphql_schema.refunds.types import Refund
from services.errors import DomainError
from services.refunds import approvals, changes, execution
from services.refunds import service as refunds
from services.refunds.compensation_service import record_compensation
from services.refunds.models import Compensation as CompensationRow
from services.refunds.models import Refund as RefundRow
from services.staff.models import Staff


@strawberry.type(description="The step succeeded; here is the refund as it is now.")
class RefundResult:
    refund: Refund = strawberry.field(description="The refund after the step.")


RefundPayload = Annotated[
    RefundResult
    | InputError
    | NotFoundError
    | PermissionDeniedError
    | AuthenticationError
    | ConflictError
    | IllegalTransitionError,
    strawberry.union(
        "RefundPayload",
        description="The refund after a successful step, or why the step was refused.",
    ),
]


@strawberry.type(description="The compensation was recorded on the complaint.")
class CompensationResult:
    compensation: Compensation = strawberry.field(description="What was recorded.")


CompensationPayload = Annotated[
    CompensationResult
    | InputError
    | NotFoundError
    | PermissionDeniedError
    | AuthenticationError
    | ConflictError,
    strawberry.union(
        "CompensationPayload",
        description="The recorded compensation, or why it was refused.",
    ),
]


async def _run(
    info: strawberry.Info, call: Callable[[Staff], Awaitable[RefundRow]]
) -> RefundPayload:
    return await run_mutation(  # type: ignore[no-any-return]
        info, call, lambda row, _: RefundResult(refund=Refund.from_row(row))
    )


@strawberry.type
class RefundMutations(SpecialCompensationMutations):
    @strawberry.mutation(
        description="Take a refund work order on a complaint (R-11). The rules decide the "
        "multiple, amount, flow and band; refund-first goes to approval (band 1-4) or straight "
        "to the customer's confirmation (band 0), verify-first to VERIFYING."
    )
    async def create_refund(
        self,
        info: strawberry.Info,
        input: CreateRefundInput,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: refunds.create_refund(
                actor=a,
                complaint_id=parse_id(input.complaint_id, field="complaintId", kind="Complaint"),
                request=input.to_request(),
                order=input.to_order(),
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="R-11 quick refund, only for a disputed Monternet or own value-added charge "
        "(R-7(a)): pick the billed charges, the rules decide the multiple and amount on their sum "
        "and what should have been charged (R-4, R-5); refund first unless the customer is "
        "special (R-9). Any other charge: InputError QUICK_REFUND_NOT_ALLOWED, use createRefund."
    )
    async def quick_refund(
        self,
        info: strawberry.Info,
        input: QuickRefundInput,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: refunds.quick_refund(
                actor=a,
                complaint_id=parse_id(input.complaint_id, field="complaintId", kind="Complaint"),
                lines=[line.to_line() for line in input.lines],
                matter=input.matter,
                charge_category=input.charge_category,
                liability=input.liability,
                should_have_charged_fen=input.should_have_charged_fen,
                sp_code=input.sp_code or "",
                method=input.method,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="Record verification (R-11), stored whole, once per refund (a second one: "
        "CONFLICT). Verify first (VERIFYING): refund due or not, liability and amounts found; "
        "nothing due, or a special customer found not liable (K-4), is DECLINED. Refund first, "
        "before execution: nothing due stops the refund (DECLINED, the customer told by SMS), "
        "another amount starts a new approval round; after execution, what was paid beyond "
        "the amount due opens an audit finding to recover it (`verification.recoverFen`)."
    )
    async def verify_refund(
        self, info: strawberry.Info, id: strawberry.ID, input: VerifyRefundInput
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: changes.verify_refund(
                actor=a, refund_id=parse_id(id, kind="Refund"), outcome=input.to_verification()
            ),
        )

    @strawberry.mutation(
        description="Change the amounts before execution; any approval or confirmation given "
        "for the old amount lapses. `reason` is required."
    )
    async def change_refund_amount(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        charged_fen: int,
        should_have_charged_fen: int,
        reason: str,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: changes.change_amount(
                actor=a,
                refund_id=parse_id(id, kind="Refund"),
                charged_fen=charged_fen,
                should_have_charged_fen=should_have_charged_fen,
                reason=reason,
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="AWAITING_APPROVAL → AWAITING_CONFIRMATION. Only an approver whose band "
        "covers the refund, on its track, and never the requester (R-12)."
    )
    async def approve_refund(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: approvals.approve(
                actor=a,
                refund_id=parse_id(id, kind="Refund"),
                note=note or "",
                idempotency_key=idempotency_key,
            ),
        )

    @strawberry.mutation(description="AWAITING_APPROVAL → REJECTED; `reason` is required.")
    async def reject_refund(
        self, info: strawberry.Info, id: strawberry.ID, reason: str
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: approvals.reject(
                actor=a, refund_id=parse_id(id, kind="Refund"), reason=reason
            ),
        )

    @strawberry.mutation(
        description="AWAITING_CONFIRMATION → CONFIRMED: the customer confirmed the amount "
        "(R-11); the R-13 execution deadline starts."
    )
    async def confirm_refund_amount(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: execution.confirm_amount(
                actor=a, refund_id=parse_id(id, kind="Refund"), note=note or ""
            ),
        )

    @strawberry.mutation(
        description="CONFIRMED → EXECUTED: credits the account (or schedules the bill "
        "adjustment), queues the customer's SMS (R-14) and updates the risk profile (K-3)."
    )
    async def execute_refund(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: execution.execute(
                actor=a, refund_id=parse_id(id, kind="Refund"), idempotency_key=idempotency_key
            ),
        )

    @strawberry.mutation(description="Withdraw a refund before execution; `reason` is required.")
    async def cancel_refund(
        self, info: strawberry.Info, id: strawberry.ID, reason: str
    ) -> RefundPayload:
        return await _run(
            info,
            lambda a: changes.cancel_refund(
                actor=a, refund_id=parse_id(id, kind="Refund"), reason=reason
            ),
        )

    @strawberry.mutation(
        description="Record R-10 compensation on a complaint: a fee waiver, a gift within the "
        "tier's allowance, or travel fares on an invoice (credited). Never replaces a refund."
    )
    async def record_compensation(
        self,
        info: strawberry.Info,
        input: RecordCompensationInput,
        idempotency_key: Annotated[
            str | None, strawberry.argument(description="Send the same key to retry safely.")
        ] = None,
    ) -> CompensationPayload:
        actor: Staff | None = info.context.staff
        if actor is None:
            return unauthenticated()
        try:
            row: CompensationRow = await record_compensation(
                actor=actor,
                complaint_id=parse_id(input.complaint_id, field="complaintId", kind="Complaint"),
                given=input.to_input(),
                idempotency_key=idempotency_key,
            )
        except DomainError as exc:
            return error_type(exc)  # type: ignore[return-value]
        return CompensationResult(compensation=Compensation.from_row(row))
