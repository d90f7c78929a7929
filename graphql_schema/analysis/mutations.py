"""Maintaining the root-cause taxonomy and working a rectification (C-11, A-3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from graphql_schema.analysis.types import RootCause
from graphql_schema.errors import (
    AuthenticationError,
    ConflictError,
    IllegalTransitionError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    run_mutation,
)
from graphql_schema.ids import parse_id, parse_optional_id
from services.analysis import models as m
from services.analysis import rectification, taxonomy


@strawberry.type(description="The root cause as saved.")
class RootCauseResult:
    root_cause: RootCause = strawberry.field(description="The entry after the change.")


RootCausePayload = Annotated[
    RootCauseResult | InputError | NotFoundError | PermissionDeniedError | AuthenticationError,
    strawberry.union("RootCausePayload", description="The saved root cause, or why not."),
]


@strawberry.type(description="A rectification after the step (A-3).")
class RectificationResult:
    id: strawberry.ID = strawberry.field(description="The rectification's id.")
    status: m.RectificationStatus = strawberry.field(description="Where it stands now.")
    plan: str = strawberry.field(description="The plan.")
    due_on: date = strawberry.field(description="When it is due.")
    check_result: str = strawberry.field(description="What the last check found.")
    supervised: bool = strawberry.field(
        description="Its matter was put under supervised handling (C-10)."
    )

    @classmethod
    def of(cls, row: m.Rectification) -> RectificationResult:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=m.RectificationStatus(row.status),
            plan=row.plan,
            due_on=row.due_on,
            check_result=row.check_result,
            supervised=row.supervised_at is not None,
        )


RectificationPayload = Annotated[
    RectificationResult
    | InputError
    | NotFoundError
    | IllegalTransitionError
    | PermissionDeniedError
    | AuthenticationError
    | ConflictError,
    strawberry.union(
        "RectificationPayload", description="The rectification after the step, or why not."
    ),
]


def _rect(row: m.Rectification, _actor: object) -> RectificationResult:
    return RectificationResult.of(row)


@strawberry.type
class AnalysisMutations:
    @strawberry.mutation(
        description="Admins: add a root cause to the taxonomy, or rename, re-own (department "
        "code), retire (`active: false`) or restore one."
    )
    async def save_root_cause(
        self,
        info: strawberry.Info,
        code: str,
        name: str,
        group: m.CauseGroup,
        department_code: str | None = None,
        active: bool = True,
    ) -> RootCausePayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: taxonomy.save_root_cause(
                actor=a,
                code=code,
                name=name,
                group=group,
                department_code=department_code or "",
                active=active,
            ),
            lambda row, _a: RootCauseResult(
                root_cause=RootCause.from_row(row, department_code or "")
            ),
        )

    @strawberry.mutation(
        description="Auditors (A-3): flag a problem for rectification: an audit finding's code "
        "(`findingId`), or a complaint's root cause on its matter (`complaintId`, `causeCode` "
        "if it has none recorded). Its matter goes under supervised handling (C-10)."
    )
    async def flag_problem(
        self,
        info: strawberry.Info,
        reason: str,
        finding_id: strawberry.ID | None = None,
        complaint_id: strawberry.ID | None = None,
        cause_code: str | None = None,
    ) -> RectificationPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: rectification.flag_problem(
                actor=a,
                reason=reason,
                finding_id=parse_optional_id(finding_id, field="findingId"),
                complaint_id=parse_optional_id(complaint_id, field="complaintId"),
                cause_code=cause_code or "",
            ),
            _rect,
        )

    @strawberry.mutation(
        description="Leads and auditors (A-3): the plan, the due date and (optionally) the "
        "owner; again after a failed check."
    )
    async def plan_rectification(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        plan: str,
        due_on: date,
        owner_id: strawberry.ID | None = None,
    ) -> RectificationPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: rectification.plan_rectification(
                actor=a,
                rectification_id=parse_id(id),
                plan=plan,
                due_on=due_on,
                owner_id=parse_optional_id(owner_id, field="ownerId"),
            ),
            _rect,
        )

    @strawberry.mutation(
        description="Auditors (A-3): check the result. Passed: CHECKED, ready to close; not "
        "passed: stays PLANNED for a new plan."
    )
    async def check_rectification(
        self, info: strawberry.Info, id: strawberry.ID, passed: bool, result: str
    ) -> RectificationPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: rectification.check_rectification(
                actor=a, rectification_id=parse_id(id), passed=passed, result=result
            ),
            _rect,
        )

    @strawberry.mutation(
        description="Auditors (A-3): close a checked rectification; the root causes it covers "
        "count as fixed (C-11)."
    )
    async def close_rectification(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> RectificationPayload:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda a: rectification.close_rectification(
                actor=a, rectification_id=parse_id(id), note=note or ""
            ),
            _rect,
        )
