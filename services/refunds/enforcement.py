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
from dataclasses import dataclass
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
from services.refunds.models import Refund
from services.refunds.workflow import OPEN
from services.staff.models import Staff

ENFORCE_REFUND_DEADLINE_JOB = "enforce_refund_deadline"
SWEEP_BATCH = 500

Kind = RefundDeadlineKind
State = RefundDeadlineState


@dataclass(frozen=True)
class Limit:
    """Where a limit's due time is kept on the refund, which step meets it, what it is called."""

    kind: RefundDeadlineKind
    due_field: str
    met_field: str
    words: str


LIMITS = (
    Limit(Kind.VERIFY, "verify_due_at", "verified_at", "核实"),
    Limit(Kind.AGREE, "agree_due_at", "confirmed_at", "与客户确认调账金额和日期"),
    Limit(Kind.EXECUTE, "execute_due_at", "executed_at", "执行退费"),
)


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


@dataclass
class Reconciled:
    """What a step did to its refund's limits, decided from the refund and its rows: rows
    whose state changed, new rows (state set), and the rows met late (their history and
    notifications follow them)."""

    changed: list[RefundDeadline]
    created: list[RefundDeadline]
    late: list[RefundDeadline]
    # the created rows go in unless their limit has a row at that due time already (the unique
    # refund, kind, due_at): decided without reading the rows (`reconciled`)
    unless_present: tuple[str, ...] = ()

    @property
    def fresh(self) -> list[RefundDeadline]:
        """The new pending limits written, to `schedule` after commit."""
        return [d for d in self.created if d.state is State.PENDING and d.pk is not None]


def reconcile(
    refund: Refund, rows: list[RefundDeadline], limits: tuple[Limit, ...] = LIMITS
) -> Reconciled:
    """The refund's limits brought up to date with its fields (the refund locked, `rows` its
    deadline rows in id order); writes nothing, changes the rows in place."""
    done = Reconciled([], [], [])

    def close(row: RefundDeadline, state: RefundDeadlineState, met: datetime | None) -> None:
        row.state = state
        row.met_at = met
        if all(r is not row for r in (*done.created, *done.changed)):
            done.changed.append(row)

    def meet(row: RefundDeadline, met: datetime) -> None:
        close(row, State.MET if met <= row.due_at else State.MET_LATE, met)
        if row.state is State.MET_LATE:
            done.late.append(row)

    for limit in limits:
        due: datetime | None = getattr(refund, limit.due_field)
        met: datetime | None = getattr(refund, limit.met_field)
        mine = [r for r in rows if r.kind == limit.kind]
        for row in mine:
            if row.state is State.PENDING:
                if due is None or row.due_at != due or (met is None and refund.status not in OPEN):
                    close(row, State.WAIVED, None)
                elif met is not None:
                    meet(row, met)
            elif row.state is State.BREACHED and met is not None and row.due_at == due:
                close(row, State.MET_LATE, met)  # told when it was breached
        if due is None or any(r.due_at == due for r in mine):
            continue
        if met is not None or refund.status in OPEN:
            row = RefundDeadline(refund_id=refund.id, kind=limit.kind, due_at=due)
            done.created.append(row)
            if met is not None:
                meet(row, met)
    return done


def inputs(refund: Refund) -> tuple[object, ...]:
    """What `reconcile` decides from on the refund: whether it is open, each due and met time."""
    return (
        refund.status in OPEN,
        *(getattr(refund, f) for limit in LIMITS for f in (limit.due_field, limit.met_field)),
    )


async def reconciled(refund: Refund, *, before: tuple[object, ...]) -> Reconciled:
    """Inside a step (the refund locked, its fields changed, not yet written): what the step
    did to its limits, to write with the step's rows. `before` is `inputs(refund)` as the step
    found it: a step that changed none of them leaves the rows as the last step (or `enforce`)
    left them, and reads none."""
    after = inputs(refund)
    if after == before:
        return Reconciled([], [], [])
    new = _set_for_the_first_time(before, after)
    if new is not None:  # their rows, if any, were closed when their due time was cleared
        done = reconcile(refund, [], new)
        done.unless_present = ("refund_id", "kind", "due_at") if done.created else ()
        return done
    return reconcile(refund, await locked_rows(refund))


def _set_for_the_first_time(
    before: tuple[object, ...], after: tuple[object, ...]
) -> tuple[Limit, ...] | None:
    """The limits a step gave a due time where there was none, unmet, on a refund open before
    and after, when besides those it changed only when a limit without a due time was met
    (None otherwise): `reconcile` leaves every other limit's rows as they are (a limit without
    a due time has no pending row) and makes one pending row for each of these, unless one
    for that due time exists."""
    if not (before[0] and after[0]):
        return None
    new = []
    for i, limit in enumerate(LIMITS):
        due_before, met_before = before[1 + 2 * i], before[2 + 2 * i]
        due_after, met_after = after[1 + 2 * i], after[2 + 2 * i]
        if (due_before, met_before) == (due_after, met_after) or due_before is due_after is None:
            continue  # unchanged, or still without a due time (nothing of it pending)
        if due_before is not None or met_before is not None or met_after is not None:
            return None
        new.append(limit)
    return tuple(new)


ROW_COLUMNS = tuple(RefundDeadline._meta.fields_db_projection.values())


def row_of(values: tuple[object, ...]) -> RefundDeadline:
    """A deadline row from its columns in ROW_COLUMNS order (a record a statement returned)."""
    return RefundDeadline._init_from_db(**dict(zip(ROW_COLUMNS, values, strict=True)))


async def locked_rows(refund: Refund) -> list[RefundDeadline]:
    """The refund's deadline rows, locked (after the refund: the lock order)."""
    return list(await RefundDeadline.filter(refund_id=refund.id).select_for_update().order_by("id"))


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
