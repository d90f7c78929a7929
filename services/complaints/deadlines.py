"""Deadline enforcement (C-7): find limits that passed unmet and record the breach, once."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from services.complaints.models import ComplaintEvent, Deadline, DeadlineState

SWEEP_BATCH = 500


async def enforce(deadline_id: int, *, at: datetime) -> bool:
    """Mark one deadline breached if it is due and unmet; True only the first time."""
    async with in_transaction():
        deadline = await Deadline.select_for_update().get_or_none(id=deadline_id)
        if deadline is None or deadline.state != DeadlineState.PENDING or deadline.due_at > at:
            return False
        deadline.state = DeadlineState.BREACHED
        deadline.breached_at = at
        await deadline.save(update_fields=["state", "breached_at"])
        await ComplaintEvent.create(
            complaint_id=deadline.complaint_id,
            action="deadline_breached",
            field=f"deadline:{deadline.key}",
            from_value=DeadlineState.PENDING.value,
            to_value=DeadlineState.BREACHED.value,
            reason=f"{deadline.kind.value} was due {deadline.due_at.isoformat()} and not met",
        )
    return True


async def sweep(*, at: datetime) -> int:
    """Enforce every pending deadline that is due: catches whatever a lost job missed."""
    breached = 0
    while True:
        due = (
            await Deadline.filter(state=DeadlineState.PENDING, due_at__lte=at)
            .order_by("due_at")
            .limit(SWEEP_BATCH)
            .values_list("id", flat=True)
        )
        for deadline_id in due:
            breached += await enforce(int(deadline_id), at=at)  # type: ignore[call-overload]
        if len(due) < SWEEP_BATCH:
            return breached
