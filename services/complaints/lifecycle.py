"""The complaint life cycle in one table (C-6 … C-9): for each action, the status move, who may
take it, the deadlines it meets, starts and waives, what the customer is told, and its effect
on classification. `take` applies a row; every complaint step goes through it, so adding a
step or a deadline is one row here. README "The complaint life cycle" is rendered from this
table (`python -m services.complaints.lifecycle`) and a test keeps the two the same.

Lock order: `take` locks the complaint row (locking.py) and then writes its deadlines,
urgency and history; classification refreshes this one row only (the customer's other
complaints are refreshed by the steps that lock them). The customer notices are written by the
notices package, reacting to the `StepTaken` event in the same transaction (services.events):
complaints does not import notices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from tortoise.transactions import in_transaction

from services import clock, events
from services.calendar.service import operator_zone
from services.complaints import deadlines, rules, supervision, urgency
from services.complaints.events import StepTaken
from services.complaints.locking import changes, lock_matters, locked_for_action
from services.complaints.models import UNRESOLVED as UNRESOLVED_STATUSES
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Status,
    UrgencyReason,
)
from services.errors import IllegalTransition
from services.permissions.table import TABLE, UseCase
from services.staff.models import Staff
from services.thresholds import service as thresholds


class CustomerNotice(StrEnum):
    """What the customer is told in writing (the notices package writes each one)."""

    ACKNOWLEDGED = "acknowledged"  # C-7 "investigation started", with the plan's due date
    RESULT = "result"  # C-7 cause, solution, prevention, by the preferred written channel
    REVISIT_INVITATION = "revisit_invitation"  # C-7, held until the revisit window opens
    PLAN_EXTENDED = "plan_extended"  # C-7, before the plan deadline
    PROMISE_CONFIRMED = "promise_confirmed"  # C-9, every promise in writing


@dataclass(frozen=True)
class WorkingDays:
    threshold: str  # the threshold key holding the number of working days

    def describe(self) -> str:
        return f"{thresholds.registered()[self.threshold].default} working days"


@dataclass(frozen=True)
class Hours:
    threshold: str

    def describe(self) -> str:
        return f"{thresholds.registered()[self.threshold].default} hours"


@dataclass(frozen=True)
class GivenByHandler:
    def describe(self) -> str:
        return "the time promised"


Due = WorkingDays | Hours | GivenByHandler


@dataclass(frozen=True)
class Starts:
    """A deadline an action starts."""

    kind: DeadlineKind
    due: Due
    note: str
    # how its key is numbered: per handling round (reopen_count), n-th of its kind, or single
    numbered: Literal["round", "count", "single"] = "single"
    only_if: str | None = None  # a condition the use case states in `context` (e.g. "moved")


ALL: Literal["all"] = "all"
AFTER_RESULT = (
    DeadlineKind.RESULT_FEEDBACK,
    DeadlineKind.REVISIT_OPENS,
    DeadlineKind.REVISIT_CLOSES,
)
OPEN = frozenset(s for s in Status if s is not Status.ARCHIVED)
UNRESOLVED = frozenset(UNRESOLVED_STATUSES)


@dataclass(frozen=True)
class Situation:
    """What a row's `ready` check reads of a complaint: the step refuses with it, and
    `viewerCan` answers from it, so the two never disagree. Built from the complaint and its
    deadlines (`situation`), or from rows a reader already has (`Situation.of`)."""

    status: Status
    paused: bool
    plan_extended: bool
    # the complaint's pending deadlines as (id, kind, due_at)
    pending: tuple[tuple[int, DeadlineKind, datetime], ...]
    at: datetime

    @classmethod
    def of(
        cls,
        *,
        status: Status,
        paused: bool,
        plan_extended: bool,
        deadlines: Iterable[Any],  # Deadline rows, or rows read for display
        at: datetime,
    ) -> Situation:
        pending = tuple(
            (d.id, d.kind, d.due_at) for d in deadlines if d.state == DeadlineState.PENDING
        )
        return cls(status, paused, plan_extended, pending, at)

    def latest(self, kind: DeadlineKind) -> datetime | None:
        """The due time of the newest pending deadline of `kind`, None when none is pending."""
        due = [(id_, at) for id_, k, at in self.pending if k == kind]
        return max(due)[1] if due else None


async def situation(complaint: Complaint, at: datetime) -> Situation:
    """The complaint's situation now (one query for its pending deadlines)."""
    pending = await Deadline.filter(complaint_id=complaint.id, state=DeadlineState.PENDING)
    return Situation.of(
        status=complaint.status,
        paused=complaint.paused_since is not None,
        plan_extended=complaint.plan_extended,
        deadlines=pending,
        at=at,
    )


# a row's condition beyond its statuses: None when it may be taken, else why not
Ready = Callable[[Situation], str | None]


def _revisit_window_open(s: Situation) -> str | None:
    """C-7: a revisit before the window opens is refused."""
    opens = s.latest(DeadlineKind.REVISIT_OPENS)
    if opens is not None and opens > s.at:
        return (
            "The revisit window opens "
            f"{opens.astimezone(operator_zone()).strftime('%Y-%m-%d %H:%M')}"
            " (3 working days after the result); a revisit before then is refused."
        )
    return None


def _plan_extendable(s: Situation) -> str | None:
    """C-7: the plan deadline is extended once, and only while it has not passed."""
    plan = s.latest(DeadlineKind.INITIAL_PLAN)
    if plan is None:
        return "There is no pending plan deadline."
    if s.plan_extended:
        return "The plan deadline was extended once already."
    if plan <= s.at:
        return "The plan deadline has passed; an extension must be asked for before it."
    return None


def _promise_pending(s: Situation) -> str | None:
    """C-7: only a promise still pending can be kept."""
    if s.latest(DeadlineKind.PROMISE) is None:
        return "There is no pending promise to keep."
    return None


def _clock_running(s: Situation) -> str | None:
    return "The clock is already paused." if s.paused else None


def _clock_paused(s: Situation) -> str | None:
    return None if s.paused else "The clock is not paused."


@dataclass(frozen=True)
class Action:
    """One row of the life cycle."""

    name: str
    use_case: UseCase  # who may take it: the permission table's row
    rule: str
    says: str  # what it means, in a handler's words
    sources: frozenset[Status]
    target: Status | None = None  # None: the status stays
    stamp: str | None = None  # the Complaint field recording when it happened
    meets: tuple[DeadlineKind, ...] = ()
    starts: tuple[Starts, ...] = ()
    waives: tuple[DeadlineKind, ...] | Literal["all"] = ()
    sends: tuple[CustomerNotice, ...] = ()
    withdraws: tuple[CustomerNotice, ...] = ()
    adds_urgency: UrgencyReason | None = None
    new_round: bool = False  # a second handling round (reopen_count + 1)
    ready: Ready | None = None  # a condition beyond `sources` (see Situation)
    classifies: bool = True  # refreshes the colour and severity (C-5)
    rechecks_supervision: bool = False  # C-10: supervision may end (takes the matter lock)
    # its reactions may take the matter lock (A-3 may start supervision from a root cause):
    # taken first, before the complaint row (locking.py's order)
    locks_matter: bool = False
    notes: tuple[str, ...] = field(default=())  # what the table cannot say by itself


U, S, K, N = UseCase, Status, DeadlineKind, CustomerNotice
ROWS: tuple[Action, ...] = (
    Action(
        "acknowledge",
        U.ACKNOWLEDGE,
        "C-7",
        "tell the customer the investigation started",
        frozenset({S.RECEIVED}),
        S.ACKNOWLEDGED,
        "acknowledged_at",
        meets=(K.ACKNOWLEDGE,),
        sends=(N.ACKNOWLEDGED,),
    ),
    Action(
        "start_investigation",
        U.START_INVESTIGATION,
        "C-6",
        "the investigation begins",
        frozenset({S.ACKNOWLEDGED}),
        S.INVESTIGATING,
        "investigation_started_at",
    ),
    Action(
        "propose_plan",
        U.PROPOSE_PLAN,
        "C-7, C-8",
        "propose the initial plan; the departments asked have fed back",
        frozenset({S.INVESTIGATING}),
        S.PLAN_PROPOSED,
        "plan_proposed_at",
        meets=(K.INITIAL_PLAN, K.DEPARTMENT_FEEDBACK),
    ),
    Action(
        "start_resolution",
        U.START_RESOLUTION,
        "C-6, C-8",
        "the customer accepted the plan; carrying it out begins",
        frozenset({S.PLAN_PROPOSED}),
        S.RESOLVING,
        "resolution_started_at",
        meets=(K.DEPARTMENT_FEEDBACK,),
    ),
    Action(
        "resolve",
        U.RESOLVE,
        "C-7",
        "the result is reached: cause, solution, prevention",
        frozenset({S.RESOLVING}),
        S.RESOLVED,
        "resolved_at",
        meets=(K.DEPARTMENT_FEEDBACK,),
        locks_matter=True,
        starts=(
            Starts(
                K.RESULT_FEEDBACK,
                Hours(rules.RESULT_FEEDBACK_HOURS),
                "tell the result (cause, solution, prevention) by the customer's channel (C-7)",
                "round",
            ),
            Starts(
                K.REVISIT_OPENS,
                WorkingDays(rules.REVISIT_OPENS_WORKING_DAYS),
                "revisit no earlier than this (C-7)",
                "round",
            ),
            Starts(
                K.REVISIT_CLOSES,
                WorkingDays(rules.REVISIT_CLOSES_WORKING_DAYS),
                "revisit no later than this (C-7)",
                "round",
            ),
        ),
        sends=(N.REVISIT_INVITATION,),
    ),
    Action(
        "record_result_told",
        U.RECORD_RESULT_TOLD,
        "C-7, C-9",
        "the result told to the customer: by a call (met now) or in writing (met on delivery)",
        frozenset({S.RESOLVED, S.REVISITED, S.ARCHIVED}),
        meets=(K.RESULT_FEEDBACK,),
        sends=(N.RESULT,),
        notes=(
            "written (SMS, e-mail): the result deadline is met when the notice is delivered",
            "by phone or in person: met when the handler records the call",
        ),
    ),
    Action(
        "record_revisit",
        U.RECORD_REVISIT,
        "C-6, C-7",
        "a satisfied revisit closes the loop",
        frozenset({S.RESOLVED}),
        S.REVISITED,
        "revisited_at",
        meets=(K.REVISIT_OPENS, K.REVISIT_CLOSES),
        ready=_revisit_window_open,
    ),
    Action(
        "record_unsatisfied_revisit",
        U.RECORD_REVISIT,
        "C-6",
        "an unsatisfied revisit escalates and re-opens the investigation",
        frozenset({S.RESOLVED}),
        S.INVESTIGATING,
        waives=AFTER_RESULT,
        withdraws=(N.REVISIT_INVITATION,),
        adds_urgency=UrgencyReason.ESCALATED,
        new_round=True,
        ready=_revisit_window_open,
    ),
    Action(
        "reopen",
        U.REOPEN,
        "C-6",
        "the customer objects to the result: a second investigation",
        frozenset({S.RESOLVED, S.REVISITED}),
        S.INVESTIGATING,
        waives=AFTER_RESULT,
        withdraws=(N.REVISIT_INVITATION,),
        new_round=True,
    ),
    Action(
        "archive",
        U.ARCHIVE,
        "C-6, C-7",
        "the loop is closed; nothing is due any more",
        frozenset({S.REVISITED}),
        S.ARCHIVED,
        "archived_at",
        waives=ALL,
        rechecks_supervision=True,
        notes=("the matter's supervision ends when every complaint of it is archived",),
    ),
    Action(
        "assign",
        U.ASSIGN,
        "C-2, C-8",
        "hand the complaint to another handler (and department)",
        UNRESOLVED | {S.RESOLVED, S.REVISITED},
        starts=(
            Starts(
                K.DEPARTMENT_FEEDBACK,
                WorkingDays(rules.DEPARTMENT_FEEDBACK_WORKING_DAYS),
                "the department's investigator feeds back (C-8)",
                "count",
                only_if="department changed, before the result",
            ),
        ),
    ),
    Action(
        "extend_plan_deadline",
        U.EXTEND_PLAN_DEADLINE,
        "C-7",
        "a complex case: the plan deadline moves once, the customer told first",
        OPEN,
        sends=(N.PLAN_EXTENDED,),
        ready=_plan_extendable,
        notes=("the pending plan deadline moves later by 3 working days, once",),
    ),
    Action(
        "record_promise",
        U.RECORD_PROMISE,
        "C-7, C-9",
        "a promise to the customer becomes a deadline, confirmed in writing",
        OPEN,
        starts=(Starts(K.PROMISE, GivenByHandler(), "the promise", "count"),),
        sends=(N.PROMISE_CONFIRMED,),
    ),
    Action(
        "keep_promise",
        U.KEEP_PROMISE,
        "C-7",
        "a promise kept",
        OPEN,
        meets=(K.PROMISE,),
        ready=_promise_pending,
    ),
    Action(
        "pause_clock",
        U.PAUSE_CLOCK,
        "C-7",
        "the complaint waits on the customer: deadlines stop",
        OPEN,
        classifies=False,
        ready=_clock_running,
    ),
    Action(
        "resume_clock",
        U.RESUME_CLOCK,
        "C-7",
        "the customer answered: pending deadlines move later by the working time waited",
        OPEN,
        classifies=False,
        ready=_clock_paused,
    ),
)
ACTIONS: dict[str, Action] = {row.name: row for row in ROWS}


def can_take(action: str, status: Status) -> bool:
    """Whether the life cycle allows `action` on a complaint in `status` (permissions apart)."""
    return status in ACTIONS[action].sources


def refusal(action: str, s: Situation) -> str | None:
    """Why the life cycle refuses `action` in this situation (its statuses, then its `ready`
    condition), None when it allows it. Permissions apart: the permission table says who."""
    row = ACTIONS[action]
    if s.status not in row.sources:
        return _wrong_status(row, s.status)
    return row.ready(s) if row.ready is not None else None


def check_source(action: Action, complaint: Complaint) -> None:
    """Refuse the action when the complaint's status is not one it may be taken from."""
    if complaint.status not in action.sources:
        raise refuse(action, complaint)


def check_ready(action: Action, complaint: Complaint, s: Situation) -> None:
    """Refuse the action when its `ready` condition does not hold in this situation."""
    why = action.ready(s) if action.ready is not None else None
    if why is not None:
        raise IllegalTransition(why, current=complaint.status.value, attempted=action.name)


def _wrong_status(action: Action, status: Status) -> str:
    allowed = ", ".join(s.value for s in Status if s in action.sources)
    return (
        f"Cannot {action.name.replace('_', ' ')} a complaint that is {status.value}; "
        f"it must be {allowed}."
    )


def refuse(action: Action, complaint: Complaint) -> IllegalTransition:
    return IllegalTransition(
        _wrong_status(action, complaint.status),
        current=complaint.status.value,
        attempted=action.name,
    )


@dataclass
class Effects:
    """What applying a row did, for the caller: deadlines to schedule, the event's reactions."""

    created: list[Deadline] = field(default_factory=list)
    published: events.Published | None = None


async def _due(due: Due, at: datetime, given: datetime | None) -> Any:
    if isinstance(due, WorkingDays):
        return await deadlines.working_days_after(at, due.threshold)
    if isinstance(due, Hours):
        return at + timedelta(hours=await thresholds.current(due.threshold))
    assert given is not None, "a deadline given by the handler needs its time"
    return given


async def _key(complaint: Complaint, start: Starts) -> str | None:
    if start.numbered == "round":
        return f"{start.kind.value}:{complaint.reopen_count}"
    if start.numbered == "count":
        number = await Deadline.filter(complaint_id=complaint.id, kind=start.kind).count()
        return f"{start.kind.value}:{number + 1}"
    return None


async def apply_effects(
    row: Action,
    complaint: Complaint,
    *,
    actor: Staff,
    at: datetime,
    reason: str = "",
    context: Mapping[str, Any] | None = None,
) -> Effects:
    """The row's deadlines, urgency and notices, inside the caller's transaction, with the
    complaint row locked. `context` carries what the use case knows: `meet` (False: a written
    result is met on delivery instead), `due_at` and `note` for a deadline given by the
    handler, `note:<kind>` for a deadline's note, the conditions of `only_if`, and values for
    the notices. A row that keeps the status is checked against its statuses here; `take`
    checks a status-moving row before it moves."""
    if row.target is None:
        check_source(row, complaint)
    context = dict(context or {})
    effects = Effects()
    if row.waives == ALL:
        await deadlines.waive_pending(complaint.id, reason=f"{row.name}: nothing is due any more")
    elif row.waives:
        await Deadline.filter(
            complaint_id=complaint.id, kind__in=list(row.waives), state=DeadlineState.PENDING
        ).update(state=DeadlineState.WAIVED)
    if row.meets and context.get("meet", True):
        await deadlines.meet(complaint.id, *row.meets, at=at, key=context.get("meets_key"))
    for start in row.starts:
        if start.only_if is not None and not context.get(start.only_if):
            continue
        due = await _due(start.due, at, context.get("due_at"))
        note = context.get(f"note:{start.kind.value}") or (
            context.get("note", "") if isinstance(start.due, GivenByHandler) else ""
        )
        effects.created.append(
            await deadlines.add(
                complaint.id,
                start.kind,
                due,
                note or start.note,
                key=await _key(complaint, start),
            )
        )
    if row.adds_urgency is not None:
        _, added = await ComplaintUrgency.get_or_create(
            complaint_id=complaint.id,
            reason=row.adds_urgency,
            defaults={"note": f"{row.says}: {reason}".strip(": "), "set_by": actor},
        )
        if added:
            await ComplaintEvent.create(
                complaint_id=complaint.id,
                actor=actor,
                action="urgency_added",
                field="urgency",
                to_value=row.adds_urgency.value,
                reason=f"{row.says} ({row.rule})",
            )
    if row.classifies:
        await urgency.refresh_classification([complaint.id], actor=actor)
    effects.published = await events.publish(
        StepTaken(
            complaint=complaint,
            action=row.name,
            sends=row.sends,
            withdraws=row.withdraws,
            at=at,
            actor=actor,
            created=tuple(effects.created),
            context=context,
        )
    )
    if row.rechecks_supervision:  # C-10: the matter may be done
        await supervision.recheck(complaint.matter_key, actor=actor, complaint_id=complaint.id)
    return effects


async def take(
    *,
    actor: Staff,
    complaint_id: int,
    action: str,
    values: Mapping[str, Any] | None = None,
    reason: str = "",
    context: Mapping[str, Any] | None = None,
) -> Complaint:
    """Take one status-moving action: lock, check the move, record who/when/why, apply the
    row, all in one transaction; then schedule its deadlines and wake the outbox."""
    row = ACTIONS[action]
    assert row.target is not None, f"{action} does not move the status: use apply_effects"
    at = clock.now()
    async with in_transaction():
        if row.locks_matter or row.rechecks_supervision:  # the matter before the row
            keys = await Complaint.filter(id=complaint_id).values_list("matter_key", flat=True)
            await lock_matters(*(str(key) for key in keys))
        complaint = await locked_for_action(complaint_id, actor)
        check_source(row, complaint)
        if row.ready is not None:
            check_ready(row, complaint, await situation(complaint, at))
        history = changes(complaint, actor, action, dict(values or {}), reason)
        history.insert(
            0,
            ComplaintEvent(
                complaint=complaint,
                actor=actor,
                action=action,
                field="status",
                from_value=complaint.status.value,
                to_value=row.target.value,
                reason=reason,
            ),
        )
        complaint.status = row.target
        if row.stamp:
            setattr(complaint, row.stamp, at)
        if row.new_round:
            history.extend(
                changes(
                    complaint, actor, action, {"reopen_count": complaint.reopen_count + 1}, reason
                )
            )
        await complaint.save()
        await ComplaintEvent.bulk_create(history)
        effects = await apply_effects(
            row, complaint, actor=actor, at=at, reason=reason, context=context
        )
        await complaint.refresh_from_db()
    await deadlines.schedule(effects.created)
    await events.after_commit(effects.published)
    return complaint


# the table for people ---------------------------------------------------------------------


def _kinds(kinds: tuple[DeadlineKind, ...] | Literal["all"]) -> str:
    if kinds == ALL:
        return "every pending one"
    return ", ".join(k.value for k in kinds)


def markdown() -> str:
    """The table as README shows it."""
    lines = [
        "| action | rule | from | to | who may take it | meets | starts | waives | "
        "the customer is told | classification |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        sources = (
            "any open status"
            if row.sources == OPEN
            else ", ".join(s.value for s in Status if s in row.sources)
        )
        starts = "; ".join(
            f"{s.kind.value} ({s.due.describe()}{', if ' + s.only_if if s.only_if else ''})"
            for s in row.starts
        )
        sends = ", ".join(n.value for n in row.sends)
        if row.withdraws:
            sends = "; ".join(
                filter(None, [sends, "withdraws " + ", ".join(n.value for n in row.withdraws)])
            )
        effect = "recomputed" if row.classifies else "–"
        if row.adds_urgency:
            effect = f"adds {row.adds_urgency.value}; recomputed"
        if row.new_round:
            effect += "; a new round"
        if row.rechecks_supervision:
            effect += "; supervision rechecked (C-10)"
        says = row.says + "".join(f" ({n})" for n in row.notes)
        lines.append(
            f"| `{row.name}`: {says} | {row.rule} | {sources} | "
            f"{row.target.value if row.target else '(stays)'} | {TABLE[row.use_case].who} | "
            f"{_kinds(row.meets) or '–'} | {starts or '–'} | {_kinds(row.waives) or '–'} | "
            f"{sends or '–'} | {effect} |"
        )
    return "\n".join(lines) + "\n"


START, END = "<!-- lifecycle table: start -->", "<!-- lifecycle table: end -->"


def in_readme(text: str) -> str:
    """README's text with the table between its markers replaced by the current one."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{markdown()}{END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if sys.argv[1:] == ["--readme"]:
        readme = Path(__file__).resolve().parents[2] / "README.md"
        readme.write_text(in_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(markdown(), end="")
