"""Complaint use cases: intake and every life-cycle step of C-6, one transaction each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from services import clock, phones
from services.complaints import deadlines, inserts, lifecycle, policy, routing, rules, urgency
from services.complaints.locking import changes, customer_lock, locked_for_action, matter_lock
from services.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    ContactPreference,
    DeadlineKind,
    Status,
    UrgencyReason,
)
from services.customers.models import Customer
from services.errors import (
    ErrorCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Problem,
)
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.phones import normalize_msisdn
from services.staff.models import Department, Staff

ENFORCE_DEADLINE_JOB = deadlines.ENFORCE_DEADLINE_JOB


def now() -> datetime:
    return clock.now()


@dataclass(frozen=True)
class Intake:
    """What C-2 records when a complaint is taken."""

    msisdn: str
    contact_name: str
    channel: Channel | None
    category: Category | None
    summary: str
    customer_request: str
    contact_phone: str = ""
    contact_email: str = ""  # C-9: where written notices go when the customer prefers e-mail
    contact_preference: ContactPreference = ContactPreference.SMS
    service_code: str = ""
    sp_code: str = ""
    province: str = ""
    city: str = ""
    occurred_at: datetime | None = None
    location: str = ""
    staff_involved: str = ""
    details: str = ""


def _require(value: str, field: str, problems: list[Problem]) -> None:
    if not value.strip():
        problems.append(Problem(field, ErrorCode.REQUIRED, f"{field} is required."))


def _validate_intake(intake: Intake) -> str:
    problems: list[Problem] = []
    msisdn = ""
    try:
        msisdn = normalize_msisdn(intake.msisdn)
    except InvalidInput as exc:
        problems.append(Problem("msisdn", exc.code, exc.message))
    _require(intake.contact_name, "contactName", problems)
    if intake.channel is None:
        problems.append(Problem("channel", ErrorCode.REQUIRED, "channel is required."))
    if intake.category is None:
        problems.append(Problem("category", ErrorCode.REQUIRED, "category is required."))
    _require(intake.summary, "summary", problems)
    _require(intake.customer_request, "customerRequest", problems)
    if intake.contact_phone and not intake.contact_phone.replace("-", "").isdigit():
        problems.append(
            Problem("contactPhone", ErrorCode.INVALID_INPUT, "contactPhone must be digits.")
        )
    email = intake.contact_email.strip()
    if email and not EMAIL.fullmatch(email):
        problems.append(
            Problem("contactEmail", ErrorCode.INVALID_INPUT, "contactEmail is not an address.")
        )
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, field=first.field, problems=problems)
    return msisdn


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def require_handler(actor: Staff) -> None:
    if not policy.can_handle(actor.roles):
        raise PermissionDenied("Only complaint-handling staff may do this.")


@guarded(UseCase.CREATE_COMPLAINT)
async def create_complaint(*, actor: Staff, intake: Intake) -> Complaint:
    """Take a complaint (C-2); whoever takes it owns it until handing it on (首问负责)."""
    require_handler(actor)
    msisdn = _validate_intake(intake)
    assert intake.channel is not None and intake.category is not None  # validated above
    department = await routing.intake_department(intake.category.value, taker=actor)
    found = await _customer_complaint_id_and_investigator(msisdn, department)
    if found is None:
        raise NotFound("No customer has this phone number.", field="msisdn")
    customer, complaint_id, investigator = found
    province = intake.province.strip() or customer.province
    city = intake.city.strip() or customer.city
    key = policy.matter_key(
        category=intake.category,
        service_code=intake.service_code,
        province=province,
        city=city,
        sp_code=intake.sp_code,
    )
    email = intake.contact_email.strip()
    if intake.contact_preference == ContactPreference.EMAIL and not (email or customer.email):
        raise InvalidInput(
            "The customer prefers e-mail and has no address: give contactEmail.",
            code=ErrorCode.REQUIRED,
            field="contactEmail",
        )
    received = now()
    # worked out before the transaction: the route (C-8: departments kept per process, the
    # investigator read with the customer) and the due times (the calendar is kept per process)
    route = await routing.intake_route(department, investigator, taker=actor, at=received)
    due = [
        deadlines.NewDeadline(
            DeadlineKind.ACKNOWLEDGE,
            await deadlines.working_days_after(received, rules.ACKNOWLEDGE_WORKING_DAYS),
            "acknowledge: tell the customer the investigation started (C-7)",
        ),
        deadlines.NewDeadline(
            DeadlineKind.INITIAL_PLAN,
            await deadlines.working_days_after(received, rules.PLAN_WORKING_DAYS),
            "propose an initial plan (C-7)",
        ),
        *routing.feedback_deadline(route),
    ]
    reasons = policy.intake_urgency(
        tier=customer.tier, sensitive=customer.sensitive, channel=intake.channel
    )
    complaint = Complaint(
        id=complaint_id,
        customer=customer,
        contact_name=intake.contact_name.strip(),
        # full-width or other-script digits stored as 0-9, dashes dropped (C-2)
        contact_phone=phones.ascii_digits(intake.contact_phone or msisdn),
        contact_preference=intake.contact_preference,
        channel=intake.channel,
        category=intake.category,
        service_code=intake.service_code.strip(),
        sp_code=intake.sp_code.strip(),
        province=province,
        city=city,
        occurred_at=intake.occurred_at,
        location=intake.location.strip(),
        staff_involved=intake.staff_involved.strip(),
        summary=intake.summary.strip(),
        details=intake.details.strip(),
        customer_request=intake.customer_request.strip(),
        matter_key=key,
        first_handler=actor,
        owner=actor,
        department_id=route.department.id if route else actor.department_id,
        created_at=received,
    )
    first_history = [
        ComplaintEvent(
            complaint_id=complaint_id,
            actor=actor,
            action="created",
            field="status",
            to_value=Status.RECEIVED.value,
            reason=f"received via {intake.channel.value}",
        ),
        *(
            ComplaintEvent(
                complaint_id=complaint_id,
                actor=actor,
                action="urgency_added",
                field="urgency",
                to_value=r.value,
                reason=why,
            )
            for r, why in reasons
        ),
    ]
    created = await deadlines.new_rows(complaint_id, due)
    routed_row, routed = (
        routing.route_at_intake(complaint, actor=actor, route=route) if route else (None, None)
    )
    urgencies = [
        ComplaintUrgency(complaint_id=complaint_id, reason=r, note=why) for r, why in reasons
    ]
    async with in_transaction():
        # the complaint, its first history and urgency, its routing and its deadlines, and
        # then the locks, in one statement. C-3/C-4 detection runs under the matter lock: of
        # two intakes of one matter, the one that takes the lock second sees the first
        # committed (the lock is held to commit; the detection reads in a later statement),
        # so every window holding both is looked at by one of them whatever their clocks and
        # commit order. The customer's lock, for the C-5 count of their unresolved
        # complaints: two intakes of one customer on different matters take different
        # matter locks
        await inserts.write(
            [complaint],
            first_history,
            urgencies,
            [routed_row] if routed_row else [],
            created,
            locks=[matter_lock(key), customer_lock(customer.id)],
            columns={Complaint: {"next_due_at": deadlines.next_due(created)}},
        )
        if email and email != customer.email:  # the address the customer gave, kept (C-9)
            await Customer.filter(id=customer.id).update(email=email)
        history = await urgency.after_intake(
            complaint, actor=actor, reasons=[r.value for r, _ in reasons]
        )
        if routed is not None:
            history.append(routed)  # C-8 history after the C-5 classification, as before
        await inserts.write(history)
    await deadlines.schedule(created)
    return complaint


_CUSTOMER_SQL = ""


async def _customer_complaint_id_and_investigator(
    msisdn: str, department: Department | None
) -> tuple[Customer, int, routing.Investigator | None] | None:
    """The customer with this number and, in the same statement, the new complaint's id
    from its sequence (a gap if the intake then fails, as with any sequence) and the
    least-loaded investigator of the department it goes to (C-8)."""
    global _CUSTOMER_SQL
    if not _CUSTOMER_SQL:
        columns = ", ".join(f'c."{c}"' for c in Customer._meta.fields_db_projection.values())
        _CUSTOMER_SQL = (
            f"SELECT {columns}, nextval(pg_get_serial_sequence('complaints', 'id')) "
            'AS "next complaint id", i.id AS "investigator id", '
            'i.username AS "investigator username" FROM "customers" c '
            f"LEFT JOIN LATERAL ({routing.LEAST_LOADED_SQL.format('$2', '$3')}) i ON true "
            'WHERE c."msisdn" = $1'
        )
    rows = await get_connection("default").execute_query_dict(
        _CUSTOMER_SQL,
        [msisdn, department.id if department else None, routing.LEAST_LOADED_ROLES],
    )
    if not rows:
        return None
    row = rows[0]
    complaint_id = int(row.pop("next complaint id"))
    investigator_id, username = row.pop("investigator id"), row.pop("investigator username")
    investigator = routing.Investigator(investigator_id, username) if investigator_id else None
    return Customer._init_from_db(**row), complaint_id, investigator


async def _step(
    *,
    actor: Staff,
    complaint_id: int,
    action: str,
    values: dict[str, Any] | None = None,
    reason: str = "",
    context: dict[str, Any] | None = None,
) -> Complaint:
    """Move a complaint one step along C-6 by its row of the life-cycle table."""
    require_handler(actor)
    return await lifecycle.take(
        actor=actor,
        complaint_id=complaint_id,
        action=action,
        values=values,
        reason=reason,
        context=context,
    )


@guarded(UseCase.ACKNOWLEDGE)
async def acknowledge(*, actor: Staff, complaint_id: int, note: str = "") -> Complaint:
    """Tell the customer the investigation has started (C-7: within 1 working day)."""
    return await _step(actor=actor, complaint_id=complaint_id, action="acknowledge", reason=note)


@guarded(UseCase.START_INVESTIGATION)
async def start_investigation(*, actor: Staff, complaint_id: int, note: str = "") -> Complaint:
    return await _step(
        actor=actor, complaint_id=complaint_id, action="start_investigation", reason=note
    )


@guarded(UseCase.PROPOSE_PLAN)
async def propose_plan(*, actor: Staff, complaint_id: int, plan: str) -> Complaint:
    if not plan.strip():
        raise InvalidInput("plan is required.", code=ErrorCode.REQUIRED, field="plan")
    return await _step(
        actor=actor, complaint_id=complaint_id, action="propose_plan", values={"plan": plan.strip()}
    )


@guarded(UseCase.START_RESOLUTION)
async def start_resolution(*, actor: Staff, complaint_id: int, note: str = "") -> Complaint:
    """The customer accepted the plan; carrying it out begins."""
    return await _step(
        actor=actor, complaint_id=complaint_id, action="start_resolution", reason=note
    )


@guarded(UseCase.RESOLVE)
async def resolve(
    *,
    actor: Staff,
    complaint_id: int,
    cause: str,
    solution: str,
    prevention: str,
    root_cause: str | None = None,
) -> Complaint:
    """Record the result told to the customer: cause, solution, what prevents recurrence (C-7),
    and the root cause from the taxonomy (C-11; recorded by the analysis in the same
    transaction, an unknown code refusing the whole step)."""
    problems: list[Problem] = []
    for field, value in (("cause", cause), ("solution", solution), ("prevention", prevention)):
        _require(value, field, problems)
    if problems:
        raise InvalidInput(
            problems[0].message, code=ErrorCode.REQUIRED, field=problems[0].field, problems=problems
        )
    return await _step(
        actor=actor,
        complaint_id=complaint_id,
        action="resolve",
        values={
            "result_cause": cause.strip(),
            "result_solution": solution.strip(),
            "result_prevention": prevention.strip(),
        },
        context={"root_cause": (root_cause or "").strip() or None},
    )


@guarded(UseCase.RECORD_REVISIT)
async def record_revisit(
    *, actor: Staff, complaint_id: int, satisfied: bool, note: str = ""
) -> Complaint:
    """C-6: a satisfied revisit closes the loop; an unsatisfied one escalates, re-investigates."""
    if satisfied:
        return await _step(
            actor=actor,
            complaint_id=complaint_id,
            action="record_revisit",
            values={"revisit_satisfied": True, "revisit_note": note.strip()},
            reason=note,
        )
    if not note.strip():
        raise InvalidInput(
            "Say why the customer is not satisfied.", code=ErrorCode.REQUIRED, field="note"
        )
    return await _step(
        actor=actor,
        complaint_id=complaint_id,
        action="record_unsatisfied_revisit",
        values={"revisit_satisfied": False, "revisit_note": note.strip()},
        reason=note.strip(),
    )


@guarded(UseCase.ARCHIVE)
async def archive(*, actor: Staff, complaint_id: int, note: str = "") -> Complaint:
    return await _step(actor=actor, complaint_id=complaint_id, action="archive", reason=note)


@guarded(UseCase.REOPEN)
async def reopen(*, actor: Staff, complaint_id: int, reason: str) -> Complaint:
    """The customer objects to the result: a second investigation (C-6)."""
    if not reason.strip():
        raise InvalidInput(
            "Say what the customer objects to.", code=ErrorCode.REQUIRED, field="reason"
        )
    return await _step(
        actor=actor, complaint_id=complaint_id, action="reopen", reason=reason.strip()
    )


@guarded(UseCase.ASSIGN)
async def assign(
    *, actor: Staff, complaint_id: int, owner_id: int, reason: str, department_id: int | None = None
) -> Complaint:
    """Hand a complaint on explicitly; until then its first handler owns it (C-2)."""
    require_handler(actor)
    if not reason.strip():
        raise InvalidInput("Say why it is handed over.", code=ErrorCode.REQUIRED, field="reason")
    new_owner = await Staff.get_or_none(id=owner_id, is_active=True)
    if new_owner is None or not policy.can_handle(new_owner.roles):
        raise NotFound("No active complaint handler has this id.", field="ownerId")
    if department_id is not None and not await Department.exists(id=department_id):
        raise NotFound("No department has this id.", field="departmentId")
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        row = lifecycle.ACTIONS["assign"]
        if complaint.status not in row.sources:
            raise lifecycle.refuse(row, complaint)
        values: dict[str, Any] = {"owner_id": new_owner.id}
        values["department_id"] = (
            department_id if department_id is not None else new_owner.department_id
        )
        moved = values["department_id"] != complaint.department_id
        history = changes(complaint, actor, "assign", values, reason.strip())
        if history:
            await complaint.save()
            await ComplaintEvent.bulk_create(history)
        if values["department_id"] is not None:
            await routing.hand_over(
                complaint,
                department_id=values["department_id"],
                investigator=new_owner,
                actor=actor,
            )
        effects = await lifecycle.apply_effects(
            row,
            complaint,
            actor=actor,
            at=now(),
            reason=reason.strip(),
            context={
                "note:department_feedback": (
                    f"the department's investigator ({new_owner.username}) feeds back (C-8)"
                ),
                "department changed, before the result": moved
                and values["department_id"] is not None
                and complaint.status in lifecycle.UNRESOLVED,
            },
        )
    await deadlines.schedule(effects.created)
    return complaint


HANDLER_SET_REASONS = frozenset(
    {
        UrgencyReason.MAJOR,
        UrgencyReason.ESCALATED,
        UrgencyReason.CROSS_REGION,
        UrgencyReason.OVER_LEVEL,
    }
)


@guarded(UseCase.SET_URGENCY)
async def set_urgency(
    *, actor: Staff, complaint_id: int, reason: UrgencyReason, note: str
) -> Complaint:
    """C-3: major, escalated, cross-region (and over-level by other routes) are a handler's call."""
    require_handler(actor)
    if reason not in HANDLER_SET_REASONS:
        raise InvalidInput(
            f"{reason.value} is detected by the system, not set by hand.", field="reason"
        )
    if not note.strip():
        raise InvalidInput("Say why it is urgent.", code=ErrorCode.REQUIRED, field="note")
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        _, created = await ComplaintUrgency.get_or_create(
            complaint_id=complaint.id,
            reason=reason,
            defaults={"note": note.strip(), "set_by": actor},
        )
        if created:
            await ComplaintEvent.create(
                complaint_id=complaint.id,
                actor=actor,
                action="urgency_added",
                field="urgency",
                to_value=reason.value,
                reason=note.strip(),
            )
            await urgency.refresh_classification([complaint.id], actor=actor)
            await complaint.refresh_from_db()
    return complaint
