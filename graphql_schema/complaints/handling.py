"""Handling a complaint beyond its status: urgency, matter key, clock, promises, tasks."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import strawberry

from graphql_schema.complaints.mutations import ComplaintPayload, run_step
from graphql_schema.enums import ContactPreference, TaskKind, UrgencyReason
from graphql_schema.ids import parse_id
from services.complaints import matters, service, tasks, timekeeping
from services.complaints.models import Complaint as ComplaintRow


async def _complaint_of(pending: Awaitable[Any]) -> ComplaintRow:
    """Run a use case that returns a deadline or task, then answer with its complaint."""
    row = await pending
    return await ComplaintRow.get(id=row.complaint_id)


@strawberry.type
class ComplaintHandlingMutations:
    @strawberry.mutation(
        description="Mark a complaint urgent for a reason a handler judges (C-3): MAJOR, "
        "ESCALATED, CROSS_REGION or OVER_LEVEL; `note` says why. BATCH and REPEAT are detected."
    )
    async def set_complaint_urgency(
        self, info: strawberry.Info, id: strawberry.ID, reason: UrgencyReason, note: str
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.set_urgency(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), reason=reason, note=note
            ),
        )

    @strawberry.mutation(
        description="Correct the 'same matter' key (C-4): batch, repeat and supervision run "
        "again for the old and the new matter (marks added and withdrawn, with history)."
    )
    async def correct_matter_key(
        self, info: strawberry.Info, id: strawberry.ID, matter_key: str, reason: str
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: matters.correct_matter_key(
                actor=a,
                complaint_id=parse_id(id, kind="Complaint"),
                matter_key=matter_key,
                reason=reason,
            ),
        )

    @strawberry.mutation(
        description="The complaint waits on the customer: its deadlines stop running (C-7)."
    )
    async def pause_complaint_clock(
        self, info: strawberry.Info, id: strawberry.ID, reason: str
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: timekeeping.pause_clock(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), reason=reason
            ),
        )

    @strawberry.mutation(
        description="The customer answered: pending deadlines move later by the time waited."
    )
    async def resume_complaint_clock(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: timekeeping.resume_clock(
                actor=a, complaint_id=parse_id(id, kind="Complaint")
            ),
        )

    @strawberry.mutation(
        description="Extend the initial-plan deadline once, before it passes, after telling "
        "the customer (C-7)."
    )
    async def extend_plan_deadline(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        reason: str,
        customer_told_via: ContactPreference,
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: timekeeping.extend_plan_deadline(
                actor=a,
                complaint_id=parse_id(id, kind="Complaint"),
                reason=reason,
                customer_told_via=customer_told_via,
            ),
        )

    @strawberry.mutation(
        description='Record a promise made to the customer ("we will answer within 48 hours"); '
        "it becomes a PROMISE deadline (C-9)."
    )
    async def record_promise(
        self, info: strawberry.Info, id: strawberry.ID, promise: str, due_at: datetime
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: _complaint_of(
                timekeeping.record_promise(
                    actor=a,
                    complaint_id=parse_id(id, kind="Complaint"),
                    promise=promise,
                    due_at=due_at,
                )
            ),
        )

    @strawberry.mutation(description="The promise with this key (e.g. `promise:1`) was kept.")
    async def keep_promise(
        self, info: strawberry.Info, id: strawberry.ID, key: str, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: _complaint_of(
                timekeeping.keep_promise(
                    actor=a, complaint_id=parse_id(id, kind="Complaint"), key=key, note=note or ""
                )
            ),
        )

    @strawberry.mutation(
        description="The result (cause, solution, prevention) was told to the customer (C-7)."
    )
    async def record_result_told(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        via: ContactPreference,
        note: str | None = None,
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: timekeeping.record_result_told(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), via=via, note=note or ""
            ),
        )

    @strawberry.mutation(description="Add a task of the solution, with owner and due time (C-8).")
    async def add_complaint_task(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        kind: TaskKind,
        title: str,
        owner_id: strawberry.ID,
        due_at: datetime,
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: _complaint_of(
                tasks.add_task(
                    actor=a,
                    complaint_id=parse_id(id, kind="Complaint"),
                    kind=kind,
                    title=title,
                    owner_id=parse_id(owner_id, field="ownerId", kind="StaffMember"),
                    due_at=due_at,
                )
            ),
        )

    @strawberry.mutation(description="Mark a task done; its owner or whoever may act on it.")
    async def complete_complaint_task(
        self, info: strawberry.Info, task_id: strawberry.ID, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: _complaint_of(
                tasks.complete_task(
                    actor=a,
                    task_id=parse_id(task_id, field="taskId", kind="ComplaintTask"),
                    note=note or "",
                )
            ),
        )
