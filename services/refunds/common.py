"""What every refund use case shares: the row lock, who may act, history, R-13 due dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.calendar.service import add_working_days
from services.complaints.models import Complaint
from services.errors import NotFound, PermissionDenied
from services.permissions import table
from services.permissions.guard import complaint_facts
from services.permissions.table import Actor
from services.refunds import clock, policy
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.staff.models import Staff


async def locked(refund_id: int) -> Refund:
    """The refund, locked until the transaction ends (every transition takes this lock)."""
    refund = await Refund.select_for_update().get_or_none(id=refund_id)
    if refund is None:
        raise NotFound("No refund has this id.", field="id")
    return refund


async def complaint_for(complaint_id: int) -> Complaint:
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise NotFound("No complaint has this id.", field="complaintId")
    return complaint


def require_handling(actor: Staff, complaint: Complaint) -> None:
    """The complaint's owner, or a lead of its department, acts on its refunds (C-2).

    Checked again under the refund's lock: the guard looked before the lock was taken."""
    if not table.handles(Actor.of(actor), complaint_facts(complaint)):
        raise PermissionDenied(f"Only {table.OWNER_OR_LEAD} may do this.")


def require_handler(actor: Staff) -> None:
    if not table.handling(Actor.of(actor)):
        raise PermissionDenied("Only complaint-handling staff may do this.")


def event(
    refund: Refund,
    actor: Staff | None,
    action: str,
    *,
    to: RefundStatus | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    before: RefundStatus | None = None,
    new: bool = False,
) -> RefundEvent:
    """One history row; `before` is the status the refund had when the step began."""
    start = before if before is not None else refund.status
    return RefundEvent(
        refund=refund,
        actor=actor,
        action=action,
        from_status="" if new else start.value,
        to_status=(to or refund.status).value,
        reason=reason,
        data=data or {},
    )


async def due(deadline: policy.Deadline, start: datetime) -> datetime:
    """R-13: when a time limit measured from `start` falls due."""
    if deadline.unit is policy.DeadlineUnit.HOURS:
        return start + timedelta(hours=deadline.amount)
    if deadline.unit is policy.DeadlineUnit.WORKING_DAYS:
        return await add_working_days(start, deadline.amount)
    day = clock.local_date(start)
    for _ in range(deadline.amount):
        day = clock.next_month_start(day)
    return clock.local_midnight(day)


async def due_from(
    rule: policy.DeadlineRule, *starts: policy.DeadlineStart, at: datetime
) -> datetime | None:
    """The first of the rule's limits measured from any of `starts`, counted from `at`."""
    for deadline in rule.deadlines:
        if deadline.measured_from in starts:
            return await due(deadline, at)
    return None
