"""Deadlines (C-7, C-9): created as the complaint moves, met by the steps, enforced when missed.

The database is the truth. Enforcement locks the complaint before the deadline (the same
order every step uses), skips a complaint whose clock is paused, and changes nothing the
second time. A missed deadline notifies the owner and the department head and raises the
warning colour one level.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.transactions import in_transaction

from services import scheduling
from services.calendar.service import add_working_days
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    DeadlineState,
    WarningColour,
)
from services.complaints.notifications import department_head, escalate_to_department_head, notify
from services.thresholds import service as thresholds

ENFORCE_DEADLINE_JOB = "enforce_deadline"
SWEEP_BATCH = 500
# the opening of the revisit window is a floor, not a limit: it cannot be missed
NOT_ENFORCED = (DeadlineKind.REVISIT_OPENS,)


async def working_days_after(start: datetime, key: str) -> datetime:
    return await add_working_days(start, await thresholds.current(key))


async def add(
    complaint_id: int, kind: DeadlineKind, due_at: datetime, note: str, key: str | None = None
) -> Deadline:
    """A new pending deadline (inside the caller's transaction); schedule it after commit."""
    return await Deadline.create(
        complaint_id=complaint_id, kind=kind, key=key or kind.value, due_at=due_at, note=note
    )


async def schedule(deadlines: Iterable[Deadline]) -> None:
    """After commit: a job at each due time. Lost jobs are found by the sweep."""
    for d in deadlines:
        if d.kind not in NOT_ENFORCED:
            await scheduling.schedule(
                ENFORCE_DEADLINE_JOB,
                key=f"deadline:{d.id}:{d.due_at.timestamp():.0f}",
                run_at=d.due_at,
                deadline_id=d.id,
            )


async def meet(
    complaint_id: int, *kinds: DeadlineKind, at: datetime, key: str | None = None
) -> None:
    """Mark pending deadlines of these kinds met; a breached one keeps its state but gets met_at."""
    found = Deadline.filter(complaint_id=complaint_id, kind__in=list(kinds), met_at__isnull=True)
    if key is not None:
        found = found.filter(key=key)
    await found.filter(state=DeadlineState.PENDING).update(state=DeadlineState.MET, met_at=at)
    await found.update(met_at=at)


async def enforce(deadline_id: int, *, at: datetime) -> bool:
    """Mark one deadline breached if it is due and unmet; True only the first time."""
    peek = await Deadline.get_or_none(id=deadline_id)
    if peek is None:
        return False
    async with in_transaction():
        complaint = await Complaint.select_for_update().get(id=peek.complaint_id)
        deadline = await Deadline.select_for_update().get(id=deadline_id)
        if (
            deadline.state != DeadlineState.PENDING
            or deadline.due_at > at
            or deadline.kind in NOT_ENFORCED
            or complaint.paused_since is not None
        ):
            return False
        deadline.state = DeadlineState.BREACHED
        deadline.breached_at = at
        await deadline.save(update_fields=["state", "breached_at"])
        await ComplaintEvent.create(
            complaint_id=complaint.id,
            action="deadline_breached",
            field=f"deadline:{deadline.key}",
            from_value=DeadlineState.PENDING.value,
            to_value=DeadlineState.BREACHED.value,
            reason=f"{deadline.kind.value} was due {deadline.due_at.isoformat()} and not met",
        )
        head = await department_head(complaint.department_id)
        await notify(
            [complaint.owner_id, head.id if head else None],
            complaint_id=complaint.id,
            kind="deadline_breached",
            key=f"breach:{deadline.id}",
            message=f"投诉 {complaint.id} 的时限「{deadline.note or deadline.kind.value}」已超时",
        )
        await _raise_colour(complaint)
    return True


async def _raise_colour(complaint: Complaint) -> None:
    order = [WarningColour.BLUE, WarningColour.YELLOW, WarningColour.RED]
    current = order.index(complaint.warning_colour)
    if current == len(order) - 1:
        return
    colour = order[current + 1]
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        action="classified",
        field="warning_colour",
        from_value=complaint.warning_colour.value,
        to_value=colour.value,
        reason="a deadline was missed (C-7)",
    )
    complaint.warning_colour = colour
    await complaint.save(update_fields=["warning_colour", "updated_at"])
    await escalate_to_department_head(complaint, colour=colour)


async def sweep(*, at: datetime) -> int:
    """Enforce every pending deadline that is due: catches whatever a lost job missed."""
    breached = 0
    after_id = 0
    while True:
        due = (
            await Deadline.filter(
                state=DeadlineState.PENDING,
                due_at__lte=at,
                id__gt=after_id,
                complaint__paused_since__isnull=True,
            )
            .exclude(kind__in=list(NOT_ENFORCED))
            .order_by("id")
            .limit(SWEEP_BATCH)
            .only("id")
        )
        for deadline in due:
            breached += await enforce(deadline.id, at=at)
        if len(due) < SWEEP_BATCH:
            return breached
        after_id = due[-1].id
