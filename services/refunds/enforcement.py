"""R-13 enforced like C-7 (services.complaints.deadlines): refund deadlines are breached by the
worker, told to the owner and the approver, and a step taken late is recorded MET_LATE.

The database is the truth: a refund's `verify_due_at`, `agree_due_at` and `execute_due_at` say
when each step is due, and `verified_at`, `confirmed_at`, `executed_at` when it was taken. Its
`refund_deadlines` rows record what became of each limit. `track` brings those rows up to date
inside a use case's transaction (the refund locked); a job at each due time and a sweep every
minute call `enforce`, which does the same under the same lock and then breaches whatever is
due and unmet. Running either twice changes nothing; one notification per limit, ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from services import scheduling
from services.complaints.models import Complaint
from services.complaints.notifications import notify
from services.refunds import policy
from services.refunds.common import event
from services.refunds.deadline_models import (
    RefundDeadline,
    RefundDeadlineKind,
    RefundDeadlineState,
)
from services.refunds.limit_rows import (
    LIMITS,
    Limit,
    Reconciled,
    locked_rows,
    reconcile,
)
from services.refunds.models import Refund
from services.refunds.workflow import OPEN
from services.staff.models import Staff

ENFORCE_REFUND_DEADLINE_JOB = "enforce_refund_deadline"
SWEEP_BATCH = 500

Kind = RefundDeadlineKind
State = RefundDeadlineState


def running(refund: Refund) -> tuple[RefundDeadlineKind, datetime] | None:
    """The limit that runs now: the earliest unmet one of an open refund (None when none)."""
    if refund.status not in OPEN:
        return None
    unmet = [
        (getattr(refund, limit.due_field), limit.kind)
        for limit in LIMITS
        if getattr(refund, limit.due_field) is not None and getattr(refund, limit.met_field) is None
    ]
    if not unmet:
        return None
    due, kind = min(unmet)
    return kind, due


def overdue_q(at: datetime) -> Q:
    """Open refunds with a step due before `at` and not taken: the queues' `overdue` filter."""
    missed = [  # "not null" spelled out: NOT of a comparison with NULL is NULL, never true
        Q(**_late(limit, at)) for limit in LIMITS
    ]
    return Q(status__in=list(OPEN)) & Q(*missed, join_type=Q.OR)


def _late(limit: Limit, at: datetime) -> dict[str, Any]:
    return {
        f"{limit.due_field}__isnull": False,
        f"{limit.due_field}__lt": at,
        f"{limit.met_field}__isnull": True,
    }


async def track(refund: Refund, *, at: datetime) -> list[RefundDeadline]:
    """Inside the transaction of a step (the refund locked, its fields saved): record what
    the step did to the refund's limits. Returns the new pending limits, to `schedule` after
    commit."""
    return await _reconcile(refund, at=at)


async def schedule(deadlines: Iterable[RefundDeadline]) -> None:
    """After commit: a job at each due time. Lost jobs are found by the sweep."""
    for d in deadlines:
        await scheduling.schedule(
            ENFORCE_REFUND_DEADLINE_JOB,
            key=f"refund_deadline:{d.id}:{d.due_at.timestamp():.0f}",
            run_at=d.due_at,
            deadline_id=d.id,
        )


async def enforce_deadline(deadline_id: int, *, at: datetime) -> int:
    """The job at one limit's due time: enforce its refund."""
    row = await RefundDeadline.get_or_none(id=deadline_id)
    return 0 if row is None else await enforce(row.refund_id, at=at)


async def enforce(refund_id: int, *, at: datetime) -> int:
    """Bring the refund's limits up to date and breach each one due and unmet; returns how
    many were breached now (0 the second time)."""
    async with in_transaction():
        refund = await Refund.select_for_update().get_or_none(id=refund_id)  # the steps' lock
        if refund is None:
            return 0
        fresh = await _reconcile(refund, at=at)
        due = await RefundDeadline.filter(
            refund_id=refund.id, state=State.PENDING, due_at__lte=at
        ).select_for_update()
        for deadline in sorted(due, key=lambda d: d.id):
            deadline.state = State.BREACHED
            deadline.breached_at = at
            await deadline.save(update_fields=["state", "breached_at"])
            await _record_miss(refund, deadline, at=at)
    await schedule(d for d in fresh if d.due_at > at)
    return len(due)


async def sweep(*, at: datetime) -> int:
    """Every minute: each open refund with a step overdue that no row records as missed yet,
    whether or not its job ran or its use case tracked it. Returns how many were breached."""
    breached = 0
    after_id = 0
    while True:
        candidates = (
            await Refund.filter(overdue_q(at), id__gt=after_id)
            .order_by("id")
            .limit(SWEEP_BATCH)
            .values("id", *(limit.due_field for limit in LIMITS))
        )
        if not candidates:
            return breached
        ids = [c["id"] for c in candidates]
        recorded = set(
            await RefundDeadline.filter(refund_id__in=ids)
            .exclude(state=State.PENDING)
            .values_list("refund_id", "kind", "due_at")
        )
        for c in candidates:
            if any(
                c[limit.due_field] is not None
                and c[limit.due_field] <= at
                and (c["id"], limit.kind, c[limit.due_field]) not in recorded
                for limit in LIMITS
            ):
                breached += await enforce(c["id"], at=at)
        if len(candidates) < SWEEP_BATCH:
            return breached
        after_id = ids[-1]


async def apply(refund: Refund, done: Reconciled, *, at: datetime) -> None:
    """Write what `reconcile` decided row by row, then the history and notifications of
    every limit met late (the rare path: a step's own statement carries the usual one)."""
    for row in done.changed:
        await row.save(update_fields=["state", "met_at"])
    for row in done.created:
        await row.save()
    await after_write(refund, done)


async def after_write(refund: Refund, done: Reconciled) -> None:
    """Once the rows are written: the history and notifications of every limit met late."""
    for row in done.late:
        assert row.met_at is not None
        await _record_miss(refund, row, at=row.met_at)


async def _reconcile(refund: Refund, *, at: datetime) -> list[RefundDeadline]:
    done = reconcile(refund, await locked_rows(refund))
    await apply(refund, done, at=at)
    return done.fresh


async def _record_miss(refund: Refund, deadline: RefundDeadline, *, at: datetime) -> None:
    """History and notifications of a missed limit: the complaint's owner and the approver."""
    late = deadline.state is State.MET_LATE
    limit = next(limit for limit in LIMITS if limit.kind == deadline.kind)
    due = deadline.due_at.astimezone(UTC).isoformat()
    await event(
        refund,
        None,
        "deadline_met_late" if late else "deadline_breached",
        reason=f"R-13: {deadline.kind.value} was due {due}"
        + (f", done {at.astimezone(UTC).isoformat()}" if late else " and not done"),
        data={"kind": deadline.kind.value, "due_at": due, "deadline_id": deadline.id},
    ).save()
    complaint = await Complaint.get(id=refund.complaint_id)
    await notify(
        [complaint.owner_id, *await approvers(refund)],
        complaint_id=refund.complaint_id,
        kind="refund_deadline_breached",
        key=f"refund_deadline:{deadline.id}",
        message=f"退费 {refund.id} 的时限「{limit.words}」已超时"
        + ("（已逾期完成）" if late else ""),
    )


async def approvers(refund: Refund) -> list[int]:
    """Who approves this refund (R-12): the one who did, or until someone does, everyone on
    its track holding its band's role (not the requester); band 0 has no approver."""
    if refund.approved_by_id is not None:
        return [refund.approved_by_id]
    if refund.band == 0 or refund.status not in OPEN:
        return []
    role = policy.BAND_ROLES[refund.band].value
    staff = (
        await Staff.filter(is_active=True, track=refund.track)
        .exclude(id=refund.requested_by_id)
        .only("id", "roles")
    )
    return [s.id for s in staff if role in s.roles]
