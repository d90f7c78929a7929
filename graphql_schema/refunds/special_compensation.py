"""R-10 beyond the rules: approving or rejecting a compensation's documented special decision."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_schema.errors import (
    AuthenticationError,
    ConflictError,
    IllegalTransitionError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    run_mutation,
)
from graphql_schema.ids import parse_id
from graphql_schema.refunds.results import Compensation
from services.refunds import special_compensation as special


@strawberry.type(description="The special decision was approved or rejected.")
class CompensationDecided:
    compensation: Compensation = strawberry.field(description="The compensation as it is now.")


CompensationDecisionPayload = Annotated[
    CompensationDecided
    | InputError
    | NotFoundError
    | PermissionDeniedError
    | AuthenticationError
    | ConflictError
    | IllegalTransitionError,
    strawberry.union(
        "CompensationDecisionPayload",
        description="The compensation after the decision, or why the decision was refused.",
    ),
]


def _decided(row, _):  # type: ignore[no-untyped-def]
    return CompensationDecided(compensation=Compensation.from_row(row))


@strawberry.type
class SpecialCompensationMutations:
    @strawberry.mutation(
        description="Approve a compensation beyond the rules (R-10's documented special "
        "decision): an approver of its band (the band above its value's, R-12), on the "
        "recorder's track, never the recorder. A travel fare is credited now."
    )
    async def approve_special_compensation(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The compensation.")],
        note: Annotated[str, strawberry.argument(description="Why, for the record.")] = "",
    ) -> CompensationDecisionPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: special.approve_special_compensation(
                actor=a, compensation_id=parse_id(id, kind="Compensation"), note=note
            ),
            _decided,
        )

    @strawberry.mutation(
        description="Reject a compensation beyond the rules, with a reason: the customer gets "
        "the single/double refund only (R-10)."
    )
    async def reject_special_compensation(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The compensation.")],
        reason: Annotated[str, strawberry.argument(description="Why it is rejected.")],
    ) -> CompensationDecisionPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: special.reject_special_compensation(
                actor=a, compensation_id=parse_id(id, kind="Compensation"), reason=reason
            ),
            _decided,
        )
