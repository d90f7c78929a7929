"""Handler actions on a complaint's clock: pause, one plan extension, promises, result told.

C-7: the plan may be extended once, with a reason, and only while its deadline has not
passed; the customer must have been told. C-9: a promise made to the customer becomes a
deadline of its own. While the complaint waits on the customer the clock stops: on resuming,
every pending deadline moves later by the working time spent waiting (a pause over a
holiday credits nothing for the holiday).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from services import events
from services.calendar import service as calendar
from services.complaints import deadlines, lifecycle, rules
from services.complaints.locking import locked_for_action
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ContactPreference,
    Deadline,
    DeadlineKind,
    DeadlineState,
)
from services.complaints.service import now, require_handler
from services.errors import ErrorCode, IllegalTransition, InvalidInput, NotFound
from services.staff.models import Staff


def _reason(text: str, field: str = "reason") -> str:
    if not text.strip():
        raise InvalidInput(f"{field} is required.", code=ErrorCode.REQUIRED, field=field)
    return text.strip()


def _refuse(complaint: Complaint, attempted: str, message: str) -> IllegalTransition:
    return IllegalTransition(message, current=complaint.status.value, attempted=attempted)


async def pause_clock(*, actor: Staff, complaint_id: int, reason: str) -> Complaint:
    """The complaint waits on the customer (documents, a visit): deadlines stop running."""
    require_handler(actor)
    why = _reason(reason)
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        row = lifecycle.ACTIONS["pause_clock"]
        if complaint.status not in row.sources:
            raise _refuse(complaint, "pause_clock", "An archived complaint has no clock.")
        lifecycle.check_ready(row, complaint, await lifecycle.situation(complaint, now()))
        complaint.paused_since = now()
        complaint.paused_reason = why
        await complaint.save(update_fields=["paused_since", "paused_reason", "updated_at"])
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="clock_paused",
            field="paused_since",
            to_value=complaint.paused_since.isoformat(),
            reason=why,
        )
    return complaint


async def resume_clock(*, actor: Staff, complaint_id: int) -> Complaint:
    """The customer answered: every pending deadline moves later by the time waited."""
    require_handler(actor)
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        at = now()
        row = lifecycle.ACTIONS["resume_clock"]
        lifecycle.check_source(row, complaint)
        lifecycle.check_ready(row, complaint, await lifecycle.situation(complaint, at))
        assert complaint.paused_since is not None
        pending = list(
            await Deadline.filter(complaint_id=complaint.id, state=DeadlineState.PENDING)
            .select_for_update()
            .order_by("id")
        )
        credited = await deadlines.credit_pause(pending, paused_since=complaint.paused_since, at=at)
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="clock_resumed",
            field="paused_since",
            from_value=complaint.paused_since.isoformat(),
            reason=(
                f"waited {_duration(at - complaint.paused_since)}, {credited:.2f} working days; "
                f"{len(pending)} deadlines moved later by that working time"
            ),
        )
        complaint.paused_since = None
        complaint.paused_reason = ""
        await complaint.save(update_fields=["paused_since", "paused_reason", "updated_at"])
    await deadlines.schedule(pending)
    return complaint


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


async def extend_plan_deadline(
    *, actor: Staff, complaint_id: int, reason: str, customer_told_via: ContactPreference
) -> Complaint:
    """C-7: a complex case gets one extension of the plan deadline, told to the customer first."""
    require_handler(actor)
    why = _reason(reason)
    at = now()
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        row = lifecycle.ACTIONS["extend_plan_deadline"]
        lifecycle.check_source(row, complaint)
        lifecycle.check_ready(row, complaint, await lifecycle.situation(complaint, at))
        plan = (
            await Deadline.filter(
                complaint_id=complaint.id,
                kind=DeadlineKind.INITIAL_PLAN,
                state=DeadlineState.PENDING,
            )
            .order_by("-id")
            .first()
        )
        assert plan is not None  # the row's ready check found it
        before = plan.due_at
        extension = await deadlines.working_days_after(before, rules.PLAN_EXTENSION_WORKING_DAYS)
        plan.due_at = extension.due_at
        plan.note = f"{plan.note}; extended once: {why}"
        if plan.working_days is not None and plan.counted_from is not None:
            plan.working_days += extension.days
            plan.provisional = await calendar.touches_provisional(plan.counted_from, plan.due_at)
        await plan.save(update_fields=["due_at", "note", "working_days", "provisional"])
        complaint.plan_extended = True
        await complaint.save(update_fields=["plan_extended", "updated_at"])
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="plan_deadline_extended",
            field="deadline:initial_plan",
            from_value=before.isoformat(),
            to_value=plan.due_at.isoformat(),
            reason=f"{why} (customer told via {customer_told_via.value})",
        )
        effects = await lifecycle.apply_effects(
            row,
            complaint,
            actor=actor,
            at=at,
            reason=why,
            context={"before": before, "after": plan.due_at, "via": customer_told_via},
        )
    await deadlines.schedule([plan])
    await events.after_commit(effects.published)
    return complaint


async def record_promise(
    *, actor: Staff, complaint_id: int, promise: str, due_at: datetime
) -> Deadline:
    """C-9: "we will answer within 48 hours" becomes a deadline of its own."""
    require_handler(actor)
    text = _reason(promise, "promise")
    if due_at.tzinfo is None:
        raise InvalidInput("dueAt needs a time zone.", field="dueAt")
    if due_at <= now():
        raise InvalidInput("A promise is due in the future.", field="dueAt")
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        if complaint.status not in lifecycle.ACTIONS["record_promise"].sources:
            raise _refuse(complaint, "record_promise", "An archived complaint takes no promises.")
        effects = await lifecycle.apply_effects(
            lifecycle.ACTIONS["record_promise"],
            complaint,
            actor=actor,
            at=now(),
            reason=text,
            context={"due_at": due_at, "note": text},  # C-9: confirmed in writing
        )
        (deadline,) = effects.created
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="promise_made",
            field=f"deadline:{deadline.key}",
            to_value=due_at.isoformat(),
            reason=text,
        )
    await deadlines.schedule(effects.created)
    await events.after_commit(effects.published)
    return deadline


async def keep_promise(*, actor: Staff, complaint_id: int, key: str, note: str = "") -> Deadline:
    require_handler(actor)
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        row = lifecycle.ACTIONS["keep_promise"]
        lifecycle.check_source(row, complaint)
        lifecycle.check_ready(row, complaint, await lifecycle.situation(complaint, now()))
        deadline = await Deadline.get_or_none(
            complaint_id=complaint.id, key=key, kind=DeadlineKind.PROMISE
        )
        if deadline is None:
            raise NotFound("No promise has this key on this complaint.", field="key")
        if deadline.met_at is not None:
            raise _refuse(complaint, "keep_promise", "This promise was kept already.")
        await lifecycle.apply_effects(
            row,
            complaint,
            actor=actor,
            at=now(),
            context={"meets_key": key},
        )
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="promise_kept",
            field=f"deadline:{key}",
            reason=note.strip(),
        )
        await deadline.refresh_from_db()
    return deadline


WRITTEN = (ContactPreference.SMS, ContactPreference.EMAIL)


async def record_result_told(
    *, actor: Staff, complaint_id: int, via: ContactPreference, note: str = ""
) -> Complaint:
    """C-7, C-9: the result (cause, solution, prevention) is told by the customer's preferred
    channel. In writing (SMS, e-mail) the notice is written now and the result deadline is met
    when it is delivered; by phone (or letter) the handler records that it was told, and the
    deadline is met now. Another channel than the preferred one needs a note saying why."""
    require_handler(actor)
    row = lifecycle.ACTIONS["record_result_told"]
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        if complaint.status not in row.sources:
            raise _refuse(complaint, "record_result_told", "There is no result to tell yet.")
        if via != complaint.contact_preference and not note.strip():
            raise InvalidInput(
                f"The customer prefers {complaint.contact_preference.value}: say why the result "
                f"is told by {via.value}.",
                code=ErrorCode.REQUIRED,
                field="note",
            )
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="result_told",
            field="result",
            to_value=via.value,
            reason=note.strip(),
        )
        effects = await lifecycle.apply_effects(
            row,
            complaint,
            actor=actor,
            at=now(),
            reason=note.strip(),
            context={"via": via, "meet": via not in WRITTEN},
        )
    await events.after_commit(effects.published)
    return complaint
