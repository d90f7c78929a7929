"""A refund's deadline rows brought up to date with its fields, decided in Python (R-13).

The refund carries when each step is due (`verify_due_at`, `agree_due_at`, `execute_due_at`)
and when it was taken; its `refund_deadlines` rows record what became of each limit.
`reconcile` decides, from the refund and its rows, which rows change state and which are new;
a step writes them with its own rows (services.refunds.writes) and enforcement.py writes them
for the worker. Every writer of a refund's deadline rows holds the refund's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.refunds.deadline_models import (
    RefundDeadline,
    RefundDeadlineKind,
    RefundDeadlineState,
)
from services.refunds.models import Refund
from services.refunds.workflow import OPEN

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
