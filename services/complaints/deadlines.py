"""Deadlines (C-7, C-9): created as the complaint moves, met by the steps, enforced when missed.

The database is the truth. Enforcement locks the complaint before the deadline (the same
order every step uses), skips a complaint whose clock is paused, and changes nothing the
second time. A missed deadline (BREACHED by the worker, or MET_LATE by a step taken after it
was due) notifies the owner and the department head and raises the warning colour one level
for good. A paused clock credits working time on resume. A working-day deadline keeps what it
was counted from, so confirming a provisional calendar year counts it again.

The handler's queue reads the soonest pending due time from the complaint row
(`complaints.next_due_at`, and `breach_open` for an unmet breach): triggers on
complaint_deadlines (migration 0016) keep both in the statement that writes a deadline, so
every write here, and any bulk update elsewhere, keeps the queue right in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from services import scheduling
from services.calendar import service as calendar
from services.complaints import urgency
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    DeadlineState,
)
from services.complaints.notifications import department_head, notify
from services.staff.models import Staff
from services.thresholds import service as thresholds

ENFORCE_DEADLINE_JOB = "enforce_deadline"
SWEEP_BATCH = 500
# the opening of the revisit window is a floor, not a limit: it cannot be missed
NOT_ENFORCED = (DeadlineKind.REVISIT_OPENS,)
MISSED_COLOUR_REASON = "a deadline was missed (C-7)"


@dataclass(frozen=True)
class WorkingSpan:
    """A deadline of `days` working days counted from `start` (C-7), due at `due_at`."""

    start: datetime
    days: int
    due_at: datetime


async def working_days_after(start: datetime, key: str) -> WorkingSpan:
    """The span of the threshold `key` (a number of working days) from `start`."""
    days = await thresholds.current(key)
    return WorkingSpan(start, days, await calendar.add_working_days(start, days))


async def add(
    complaint_id: int,
    kind: DeadlineKind,
    due: datetime | WorkingSpan,
    note: str,
    key: str | None = None,
) -> Deadline:
    """A new pending deadline (inside the caller's transaction); schedule it after commit.
    A working-day span is kept with it, so a confirmed calendar can recompute it."""
    if isinstance(due, WorkingSpan):
        return await Deadline.create(
            complaint_id=complaint_id,
            kind=kind,
            key=key or kind.value,
            due_at=due.due_at,
            note=note,
            counted_from=due.start,
            working_days=due.days,
            provisional=await calendar.touches_provisional(due.start, due.due_at),
        )
    return await Deadline.create(
        complaint_id=complaint_id, kind=kind, key=key or kind.value, due_at=due, note=note
    )


@dataclass(frozen=True)
class NewDeadline:
    """A deadline to create with others in one statement (`add_many`)."""

    kind: DeadlineKind
    due: WorkingSpan
    note: str
    key: str | None = None


async def new_rows(complaint_id: int, new: Sequence[NewDeadline]) -> list[Deadline]:
    """New pending working-day deadlines of one complaint, not yet written (`inserts.write`
    writes them with the complaint's other rows); schedule them after commit."""
    return [
        Deadline(
            complaint_id=complaint_id,
            kind=d.kind,
            key=d.key or d.kind.value,
            due_at=d.due.due_at,
            note=d.note,
            counted_from=d.due.start,
            working_days=d.due.days,
            provisional=await calendar.touches_provisional(d.due.start, d.due.due_at),
        )
        for d in new
    ]


def next_due(deadlines: Iterable[Deadline]) -> datetime | None:
    """`complaints.next_due_at` of a complaint whose deadlines are these, as migration 0016's
    trigger keeps it: the soonest pending one that can be missed. Intake writes it with the
    complaint, so the trigger of each deadline written with it finds it right already and
    does not update the row it just wrote."""
    pending = [
        d.due_at
        for d in deadlines
        if d.state == DeadlineState.PENDING and d.kind not in NOT_ENFORCED
    ]
    return min(pending, default=None)


async def schedule(deadlines: Iterable[Deadline]) -> None:
    """After commit: a job at each due time, all sent at once. Lost jobs are found by the
    sweep."""
    await scheduling.schedule_many(
        [
            scheduling.Job(
                ENFORCE_DEADLINE_JOB,
                key=f"deadline:{d.id}:{d.due_at.timestamp():.0f}",
                run_at=d.due_at,
                kwargs={"deadline_id": d.id},
            )
            for d in deadlines
            if d.kind not in NOT_ENFORCED
        ]
    )


async def meet(
    complaint_id: int, *kinds: DeadlineKind, at: datetime, key: str | None = None
) -> list[Deadline]:
    """Mark the unmet deadlines of these kinds met (inside the caller's transaction, the
    complaint locked). One met after its due time is MET_LATE with both times kept, even if
    the worker had not yet marked it breached: that is a miss, told and coloured like a breach."""
    found = Deadline.filter(
        complaint_id=complaint_id,
        kind__in=list(kinds),
        state__in=[DeadlineState.PENDING, DeadlineState.BREACHED],
    )
    if key is not None:
        found = found.filter(key=key)
    rows = await found.select_for_update().order_by("id")
    newly_missed = []
    for deadline in rows:
        on_time = deadline.due_at >= at or deadline.kind in NOT_ENFORCED
        if deadline.state == DeadlineState.PENDING and on_time:
            deadline.state = DeadlineState.MET
        else:
            if deadline.state == DeadlineState.PENDING:
                newly_missed.append(deadline)
            deadline.state = DeadlineState.MET_LATE
        deadline.met_at = at
        await deadline.save(update_fields=["state", "met_at"])
    if newly_missed:
        complaint = await Complaint.get(id=complaint_id)
        for deadline in newly_missed:
            await _record_miss(complaint, deadline, at=at)
        await urgency.refresh_classification(
            [complaint_id], actor=None, reason=MISSED_COLOUR_REASON
        )
    return rows


async def waive_pending(complaint_id: int, *, reason: str) -> int:
    """Set aside every pending deadline (inside the caller's transaction): an archived
    complaint has nothing left to be late for (C-7, C-8)."""
    waived = await Deadline.filter(complaint_id=complaint_id, state=DeadlineState.PENDING).update(
        state=DeadlineState.WAIVED
    )
    if waived:
        await ComplaintEvent.create(
            complaint_id=complaint_id,
            action="deadlines_waived",
            field="deadlines",
            to_value=str(waived),
            reason=reason,
        )
    return waived


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
        await _record_miss(complaint, deadline, at=at)
        await urgency.refresh_classification(
            [complaint.id], actor=None, reason=MISSED_COLOUR_REASON
        )
    return True


async def _record_miss(complaint: Complaint, deadline: Deadline, *, at: datetime) -> None:
    """History and notifications of a missed deadline (one notification per deadline, ever)."""
    late = deadline.state == DeadlineState.MET_LATE
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        action="deadline_met_late" if late else "deadline_breached",
        field=f"deadline:{deadline.key}",
        from_value=DeadlineState.PENDING.value,
        to_value=deadline.state.value,
        reason=(
            f"{deadline.kind.value} was due {deadline.due_at.astimezone(UTC).isoformat()}"
            + (f", met {at.astimezone(UTC).isoformat()}" if late else " and not met")
        ),
    )
    head = await department_head(complaint.department_id)
    what = deadline.note or deadline.kind.value
    await notify(
        [complaint.owner_id, head.id if head else None],
        complaint_id=complaint.id,
        kind="deadline_breached",
        key=f"breach:{deadline.id}",
        message=(
            f"投诉 {complaint.id} 的时限「{what}」已超时" + ("（已逾期完成）" if late else "")
        ),
    )


async def credit_pause(pending: list[Deadline], *, paused_since: datetime, at: datetime) -> float:
    """A resumed clock credits the working time it waited, not the wall time (C-7): each
    pending deadline moves later by that much working time. Returns the days credited."""
    waited = max(0.0, await calendar.working_days_between(paused_since, at))
    for deadline in pending:
        deadline.due_at = await calendar.add_working_time(deadline.due_at, waited)
        deadline.credited_days += waited
        if deadline.counted_from is not None:
            deadline.provisional = await calendar.touches_provisional(
                deadline.counted_from, deadline.due_at
            )
        await deadline.save(update_fields=["due_at", "credited_days", "provisional"])
    return waited


async def recount(deadline: Deadline) -> datetime:
    """Where a working-day deadline falls on today's calendar: its span, plus credited pauses."""
    assert deadline.counted_from is not None and deadline.working_days is not None
    due = await calendar.add_working_days(deadline.counted_from, deadline.working_days)
    if deadline.credited_days:
        due = await calendar.add_working_time(due, deadline.credited_days)
    return due


async def recompute_provisional(*, reason: str, actor: Staff | None = None) -> list[Deadline]:
    """After a calendar year is confirmed: every pending deadline counted on a provisional
    year is counted again, each change recorded in its complaint's history (C-7)."""
    ids = (
        await Deadline.filter(
            provisional=True, state=DeadlineState.PENDING, working_days__isnull=False
        )
        .order_by("complaint_id", "id")
        .values_list("complaint_id", "id")
    )
    moved: list[Deadline] = []
    for complaint_id, deadline_id in ids:
        async with in_transaction():
            await Complaint.select_for_update().get(id=complaint_id)  # the steps' lock order
            deadline = await Deadline.select_for_update().get(id=deadline_id)
            if deadline.state != DeadlineState.PENDING or not deadline.provisional:
                continue
            before = deadline.due_at
            deadline.due_at = await recount(deadline)
            assert deadline.counted_from is not None
            deadline.provisional = await calendar.touches_provisional(
                deadline.counted_from, deadline.due_at
            )
            await deadline.save(update_fields=["due_at", "provisional"])
            if deadline.due_at != before:
                moved.append(deadline)
                await ComplaintEvent.create(
                    complaint_id=complaint_id,
                    actor=actor,
                    action="deadline_recomputed",
                    field=f"deadline:{deadline.key}",
                    from_value=before.astimezone(UTC).isoformat(),
                    to_value=deadline.due_at.astimezone(UTC).isoformat(),
                    reason=reason,
                )
    await schedule(moved)
    return moved


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
