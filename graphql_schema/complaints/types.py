"""Complaints as a frontend sees them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graphql_schema.abilities import ComplaintViewerCan, complaint_abilities
from graphql_schema.assist.types import Assist, WordingFinding, assist_for_text, reply_wording
from graphql_schema.context import Loader, Loaders, now_or_later
from graphql_schema.customers.types import Customer
from graphql_schema.display import (
    ByValue,
    MadeFromRow,
    made_in_full,
    member,
    once_per_row,
    stored,
)
from graphql_schema.enums import (
    Category,
    Channel,
    ComplaintStatus,
    ContactPreference,
    DeadlineKind,
    DeadlineState,
    Severity,
    SupervisionCause,
    TaskKind,
    UrgencyReason,
    WarningColour,
)
from graphql_schema.frontend_loaders import refunds_by_complaint, routing_by_complaint
from graphql_schema.ids import Node, global_id
from graphql_schema.notices.types import Notice
from graphql_schema.permissions import sees_complaint_private
from graphql_schema.staff.types import Department, StaffMember
from graphql_schema.wording import localize
from services import clock
from services.complaints import lifecycle
from services.complaints.deadlines import NOT_ENFORCED
from services.complaints.models import Complaint as ComplaintRow
from services.complaints.models import ComplaintEvent as EventRow
from services.complaints.models import ComplaintTask as TaskRow
from services.complaints.models import ComplaintUrgency as UrgencyRow
from services.complaints.models import Deadline as DeadlineRow
from services.complaints.models import DeadlineState as DeadlineStateValue
from services.complaints.models import Status as StatusValue
from services.complaints.routing_models import RoutingRole
from services.permissions.table import Actor, ComplaintFacts
from services.phones import mask
from services.privacy import Viewer
from services.staff.models import Staff

if TYPE_CHECKING:
    from graphql_schema.refunds.results import Compensation
    from graphql_schema.refunds.types import Refund


# the complaint's fields whose history values are values of a schema enum
ENUM_FIELDS: dict[str, type[Enum]] = {
    "status": ComplaintStatus,
    "channel": Channel,
    "category": Category,
    "severity": Severity,
    "warning_colour": WarningColour,
    "contact_preference": ContactPreference,
}
YES_NO = {"True": "true", "False": "false"}
_STATUS = ByValue(ComplaintStatus)
_CATEGORY = ByValue(Category)
_URGENCY_REASON = ByValue(UrgencyReason)
_DEADLINE_KIND = ByValue(DeadlineKind)
_DEADLINE_STATE = ByValue(DeadlineState)


def history_value(field: str, value: str) -> str | None:
    """A stored history value as the API spells it: enum names, true/false, null for none."""
    if not value:
        return None
    enum = ENUM_FIELDS.get(field)
    if enum is not None:
        try:
            return enum(value).name
        except ValueError:
            return value
    return YES_NO.get(value, value)


@strawberry.type(
    description="One entry of a complaint's append-only history: who, when, what, why."
)
class ComplaintEvent(MadeFromRow):
    id: strawberry.ID = strawberry.field(description="Stable id; increases with time.")
    at: datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(description="The step or change, e.g. `acknowledge`, `assign`.")
    field: str | None = strawberry.field(
        description="The field changed, e.g. `status`; null when the entry changed no field."
    )
    from_value: str | None = strawberry.field(
        description="Value before; null when there was none. Values of an enum field are the "
        "enum's names as the schema spells them (`status`: `RECEIVED`), yes/no `true`/`false`."
    )
    to_value: str | None = strawberry.field(
        description="Value after, spelled as `fromValue`; null when there is none."
    )
    reason: str = strawberry.field(
        description="Why, as given by the person or the system. What the system wrote reads "
        "in Chinese, or English by `Accept-Language: en`; a person's own words as typed."
    )
    actor_id: strawberry.Private[int | None]

    @strawberry.field(description="Who did it; null when the system did it.")
    def actor(self) -> StaffMember | None:
        if self.actor_id is None:
            return None
        return now_or_later(self._staff, self.actor_id, _staff_or_none)

    @classmethod
    def from_row(cls, row: EventRow, see: Viewer, staff: Loader[int, Any]) -> ComplaintEvent:
        """The entry as the viewer may see it; its fields made when first read (as
        `Complaint.from_row`): a page showing who did what does not word and mask reasons.
        The plain ones (`made_in_full` below) are copied at once: a page's history shows them
        for hundreds of entries, and a copy costs less than a first read through
        `__getattr__`. `staff`: the request's staff loader, kept for `actor`, which then
        takes no `info` (see `Complaint.from_row`)."""
        made = cls.__new__(cls)
        made.__dict__ = {  # a new dict, not an update of the empty one: 385 -> 295 ns
            "_row": row,
            "_see": see,
            "_staff": staff,
            "actor_id": row.actor_id,
            "at": row.at,
            "action": row.action,
        }
        return made


@strawberry.type(description="One reason a complaint is urgent (C-3), with what set it and why.")
class Urgency(MadeFromRow):
    reason: UrgencyReason = strawberry.field(description="The C-3 reason.")
    note: str = strawberry.field(
        description="Why it applies, in words: Chinese, or English by `Accept-Language: en`; "
        "a handler's own words as typed."
    )

    @strawberry.field(
        description="Machine-readable evidence, e.g. the complaints and window of a batch."
    )
    def evidence(self) -> strawberry.scalars.JSON:  # type: ignore[valid-type]
        """Decoded when asked for: a batch's evidence lists its complaints, and a page that
        shows only the reasons does not decode them (issue 14)."""
        stored = self.stored_evidence
        return json.loads(stored) if isinstance(stored, str | bytes) else stored

    set_at: datetime = strawberry.field(description="When the reason was recorded.")
    stored_evidence: strawberry.Private[Any]  # as read: JSON text, or already decoded

    @classmethod
    def from_row(cls, row: UrgencyRow, see: Viewer) -> Urgency:
        """The reason as the viewer may see it; the rest made when first read (a queue shows
        the reasons only, and does not word and mask their notes)."""
        return cls.made(row, see, reason=_URGENCY_REASON[row.reason])


@strawberry.type(description="A time limit on a complaint (C-7, C-9) and whether it was kept.")
class Deadline(MadeFromRow):
    kind: DeadlineKind = strawberry.field(description="Which limit.")
    key: str = strawberry.field(
        description="Unique on the complaint, e.g. `promise:2`; pass it to `keepPromise`."
    )
    due_at: datetime = strawberry.field(
        description="When it falls due (working days applied; a paused clock credits the "
        "working time it waited)."
    )
    state: DeadlineState = strawberry.field(
        description="PENDING, MET, MET_LATE (met after `dueAt`), BREACHED or WAIVED."
    )
    met_at: datetime | None = strawberry.field(
        description="When it was met, even if late (compare with `dueAt`)."
    )
    breached_at: datetime | None = strawberry.field(
        description="When the deadline worker found it missed; null if a late step met it first."
    )
    provisional: bool = strawberry.field(
        description="True while `dueAt` was counted on a calendar year computed by rule, whose "
        "adjusted working weekends (调休) are not yet confirmed: show it as an estimate. It is "
        "counted again, and may move, when an admin confirms the year."
    )
    note: str = strawberry.field(
        description="What the limit is, in words: Chinese, or English by `Accept-Language: "
        "en`; a promise as the handler typed it."
    )

    @classmethod
    def from_row(cls, row: DeadlineRow) -> Deadline:
        """What a queue shows of it (kind, due time, state) at once, the rest when first read
        (as `ComplaintEvent.from_row`)."""
        return cls.made(
            row,
            None,
            kind=_DEADLINE_KIND[row.kind],
            due_at=row.due_at,
            state=_DEADLINE_STATE[row.state],
        )


@strawberry.type(description="One piece of a solution (C-8), owned and due, tracked to done.")
class ComplaintTask(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    kind: TaskKind = strawberry.field(description="What sort of work it is.")
    title: str = strawberry.field(description="What is to be done.")
    due_at: datetime = strawberry.field(description="When it must be done.")
    done_at: datetime | None = strawberry.field(description="When it was done; null while open.")
    done_note: str = strawberry.field(description="What the owner said when finishing it.")
    owner_id: strawberry.Private[int]

    @strawberry.field(description="Who must do it.")
    def owner(self, info: strawberry.Info) -> StaffMember:
        return now_or_later(info.context.loaders.staff_by_id, self.owner_id, _staff_or_none)

    @classmethod
    def from_row(cls, row: TaskRow, see: Viewer) -> ComplaintTask:
        return cls(
            id=global_id("ComplaintTask", row.id),
            pk=row.id,
            kind=TaskKind(row.kind),
            title=see.text(row.title),
            due_at=row.due_at,
            done_at=row.done_at,
            done_note=see.text(row.done_note),
            owner_id=row.owner_id,
        )


@strawberry.type(
    description="A period of supervised handling (督办, C-10) of the complaint's matter: why and "
    "when it started, who owns it, and when and why it ended (null while it lasts)."
)
class Supervision:
    since: datetime = strawberry.field(description="When supervision started.")
    active: bool = strawberry.field(description="true while the matter is under supervision.")
    cause: SupervisionCause = strawberry.field(description="What started it.")
    reason: str = strawberry.field(
        description="Why it started, e.g. the repeat complaints that reached the threshold: "
        "in Chinese, or English by `Accept-Language: en`; a person's own words as typed."
    )
    complaints_at_start: int = strawberry.field(
        description="One customer's repeat complaints on the matter when it started "
        "(0 when a rectification started it)."
    )
    started_by_complaint_id: strawberry.ID | None = strawberry.field(
        description="The complaint whose intake started it; null if none did."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it ended: the matter's complaints resolved and verified (archived), "
        "a key correction, or by hand; null while it lasts."
    )
    end_reason: str = strawberry.field(
        description="Why it ended; empty while it lasts. Chinese or English as `reason`."
    )
    owner_id: strawberry.Private[int | None]
    started_by_id: strawberry.Private[int | None]
    ended_by_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Who owns it: the complaint manager (投诉主管), else the head of the "
        "matter's department; null if there was neither."
    )
    def owner(self, info: strawberry.Info) -> StaffMember | None:
        return _staff_or_none_later(info, self.owner_id)

    @strawberry.field(description="Who started it; null when the system did (repeat complaints).")
    def started_by(self, info: strawberry.Info) -> StaffMember | None:
        return _staff_or_none_later(info, self.started_by_id)

    @strawberry.field(description="Who ended it; null while it lasts or when the system did.")
    def ended_by(self, info: strawberry.Info) -> StaffMember | None:
        return _staff_or_none_later(info, self.ended_by_id)


def _staff_or_none_later(info: strawberry.Info, staff_id: int | None) -> Any:
    if staff_id is None:
        return None
    return now_or_later(info.context.loaders.staff_by_id, staff_id, _staff_or_none)


@strawberry.type(description="A customer complaint and everything needed to handle it.")
class Complaint(Node, MadeFromRow):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    status: ComplaintStatus = strawberry.field(description="Where it is in the C-6 life cycle.")
    channel: Channel = strawberry.field(description="Where it came in (C-1).")
    category: Category = strawberry.field(description="What it is about.")
    contact_name: str = strawberry.field(description="Who to talk to.")
    contact_preference: ContactPreference = strawberry.field(description="How to tell the result.")
    summary: str = strawberry.field(description="The matter, in the customer's terms (C-2).")
    details: str = strawberry.field(description="Follow-up details recorded for a vague matter.")
    customer_request: str = strawberry.field(description="What the customer wants.")
    service_code: str = strawberry.field(description="Service or product concerned; may be empty.")
    sp_code: str = strawberry.field(description="Partner (SP) code for partner services.")
    province: str = strawberry.field(description="Province where the matter occurred.")
    city: str = strawberry.field(description="City where the matter occurred.")
    occurred_at: datetime | None = strawberry.field(description="When the matter occurred.")
    location: str = strawberry.field(description="Where it occurred (store, address).")
    staff_involved: str = strawberry.field(description="Staff or agent the customer names.")
    matter_key: str = strawberry.field(
        description="The 'same matter' key (C-4) that batch and repeat detection compare."
    )
    severity: Severity = strawberry.field(description="Severity class (C-5).")
    warning_colour: WarningColour = strawberry.field(description="Warning colour (C-5).")
    plan: str = strawberry.field(description="The proposed plan, once proposed.")
    result_cause: str = strawberry.field(description="Cause told to the customer (C-7).")
    result_solution: str = strawberry.field(description="Solution told to the customer (C-7).")
    result_prevention: str = strawberry.field(description="What prevents recurrence (C-7).")
    revisit_satisfied: bool | None = strawberry.field(description="Revisit outcome; null before.")
    revisit_note: str = strawberry.field(description="What the customer said at the revisit.")
    reopen_count: int = strawberry.field(description="How often it was re-opened or escalated.")
    plan_extended: bool = strawberry.field(
        description="The plan deadline was extended (allowed once, C-7)."
    )
    paused_since: datetime | None = strawberry.field(
        description="Waiting on the customer since then: deadlines do not run; null if running."
    )
    paused_reason: str = strawberry.field(description="What the complaint waits for.")
    created_at: datetime = strawberry.field(description="When it was received.")
    updated_at: datetime = strawberry.field(description="Last change of any field.")
    acknowledged_at: datetime | None = strawberry.field(description="When acknowledged.")
    investigation_started_at: datetime | None = strawberry.field(description="Investigation start.")
    plan_proposed_at: datetime | None = strawberry.field(description="When the plan was proposed.")
    resolution_started_at: datetime | None = strawberry.field(description="When resolving began.")
    resolved_at: datetime | None = strawberry.field(description="When the result was reached.")
    revisited_at: datetime | None = strawberry.field(description="When the revisit was recorded.")
    archived_at: datetime | None = strawberry.field(description="When it was archived.")
    phone_visible: bool = strawberry.field(
        description="Whether this complaint's private data is shown to you in full (C-12): the "
        "customer's number and name, the summary, details, request, location and notes, and the "
        "numbers typed into any other text. When false, names read 张*, numbers 138****1234, "
        "private texts （已隐藏）."
    )
    raw_contact_phone: strawberry.Private[str]
    customer_id: strawberry.Private[int]
    owner_id: strawberry.Private[int]
    first_handler_id: strawberry.Private[int]
    department_id: strawberry.Private[int | None]

    @strawberry.field(description="Contact number; masked as 138****1234 unless `phoneVisible`.")
    def contact_phone(self) -> str:
        return self.raw_contact_phone if self.phone_visible else mask(self.raw_contact_phone)

    # The relations resolve from what the page preloaded (graphql_schema/complaints/preload.py)
    # without a coroutine per row; anything not preloaded is loaded, batched, as before.

    @strawberry.field(description="The customer (one phone number) the complaint belongs to.")
    def customer(self) -> Customer:
        return now_or_later(
            self._loaders.customer_by_id, self.customer_id, _CUSTOMER[self.phone_visible]
        )

    @strawberry.field(description="Who owns it now; changes only by an explicit hand-over.")
    def owner(self) -> StaffMember:
        return now_or_later(self._loaders.staff_by_id, self.owner_id, _staff_or_none)

    @strawberry.field(
        description="Handler assist (S-2): the scenarios (with what to say), categories and "
        "rules that the customer's words (summary, details, request, revisit note) point at. "
        "Computed from the texts as you see them: masked texts (C-12) suggest nothing."
    )
    async def assist(self) -> Assist:
        texts = (self.summary, self.details, self.customer_request, self.revisit_note)
        return await assist_for_text("\n".join(t for t in texts if t))

    @strawberry.field(
        description="S-3 on what this complaint tells its customer (the plan and the result's "
        "cause, solution and prevention): each phrase that breaks a wording rule, with a better "
        "one. Ask for it in the payload of proposePlan or resolve: a warning, never a block."
    )
    def reply_wording(self) -> list[WordingFinding]:
        return reply_wording(
            {
                "plan": self.plan,
                "resultCause": self.result_cause,
                "resultSolution": self.result_solution,
                "resultPrevention": self.result_prevention,
            }
        )

    @strawberry.field(description="Who took it first (首问负责人).")
    def first_handler(self) -> StaffMember:
        return now_or_later(self._loaders.staff_by_id, self.first_handler_id, _staff_or_none)

    @strawberry.field(description="The responsible department, if routed.")
    def department(self) -> Department | None:
        if self.department_id is None:
            return None
        return now_or_later(self._loaders.department_by_id, self.department_id, _department_or_none)

    @strawberry.field(description="Urgency reasons (C-3); empty means ordinary.")
    def urgency(self) -> list[Urgency]:
        return now_or_later(
            self._loaders.urgencies_by_complaint, self.pk, _URGENCIES[self.phone_visible]
        )

    @strawberry.field(description="True when there is at least one urgency reason (C-3).")
    def urgent(self) -> bool:
        return now_or_later(self._loaders.urgencies_by_complaint, self.pk, bool)

    @strawberry.field(description="Every time limit on this complaint, soonest first.")
    def deadlines(self) -> list[Deadline]:
        return now_or_later(self._loaders.deadlines_by_complaint, self.pk, _deadlines)

    @strawberry.field(description="The tasks the solution was broken into (C-8), oldest first.")
    def tasks(self) -> list[ComplaintTask]:
        see = Viewer(self.phone_visible)
        return now_or_later(
            self._loaders.tasks_by_complaint,
            self.pk,
            lambda rows: [ComplaintTask.from_row(r, see) for r in rows],
        )

    @strawberry.field(
        description="Supervised handling of this complaint's matter (C-10); null if none."
    )
    def supervision(self) -> Supervision | None:
        see = Viewer(self.phone_visible)
        return now_or_later(
            self._loaders.supervision_by_matter,
            self.matter_key,
            lambda row: _supervision(row, see),
        )

    @strawberry.field(description="The append-only history, oldest first.")
    def history(self) -> list[ComplaintEvent]:
        loaders = self._loaders
        made = partial(_history_as, self._see, loaders.staff_by_id)
        return now_or_later(loaders.events_by_complaint, self.pk, made)

    @strawberry.field(
        description="SMS to the customer (C-7, C-9, and R-14 for its refunds), oldest first; "
        "texts only if `phoneVisible`."
    )
    def notices(self) -> list[Notice]:
        visible = self.phone_visible
        return now_or_later(
            self._loaders.notices_by_complaint,
            self.pk,
            lambda rows: [Notice.from_row(r, visible=visible) for r in rows],
        )

    @strawberry.field(
        description="The soonest pending time limit a handler can miss (the revisit window's "
        "opening is not one); null when nothing is pending."
    )
    async def next_deadline(self, info: strawberry.Info) -> Deadline | None:
        rows = await info.context.loaders.deadlines_by_complaint.load(self.pk)  # soonest first
        pending = (
            r for r in rows if r.state == DeadlineStateValue.PENDING and r.kind not in NOT_ENFORCED
        )
        row = next(pending, None)
        return None if row is None else Deadline.from_row(row)

    @strawberry.field(
        description=(
            "C-8 routing: the departments working on it, each with its investigator (null: the "
            "department's queue), and the complaint manager coordinating it once it crossed "
            "departments."
        )
    )
    async def routing(self, info: strawberry.Info) -> ComplaintRouting:
        departments, coordination = await routing_by_complaint(info).load(self.pk)
        return ComplaintRouting(
            departments=[
                RoutedDepartment(
                    department=Department.from_row(row.department),
                    investigator=_staff_or_none(row.investigator),
                    handed_over=row.role == RoutingRole.HANDED_OVER,
                    since=row.created_at,
                )
                for row in departments
            ],
            coordinator=_staff_or_none(coordination.coordinator) if coordination else None,
        )

    @strawberry.field(description="The refunds requested on this complaint (R-1), oldest first.")
    async def refunds(
        self, info: strawberry.Info
    ) -> list[Annotated[Refund, strawberry.lazy("graphql_schema.refunds.types")]]:
        from graphql_schema.refunds.types import Refund

        rows = await refunds_by_complaint(info).load(self.pk)
        return [Refund.from_row(r) for r in rows]

    @strawberry.field(description="The R-10 compensation recorded on this complaint, oldest first.")
    async def compensations(
        self, info: strawberry.Info
    ) -> list[Annotated[Compensation, strawberry.lazy("graphql_schema.refunds.results")]]:
        from graphql_schema.refunds.results import Compensation

        rows = await info.context.loaders.compensations_by_complaint.load(self.pk)
        return [Compensation.from_row(r) for r in rows]

    @strawberry.field(
        description="What you may do to it now: the permission table and the life cycle."
    )
    def viewer_can(self, info: strawberry.Info) -> ComplaintViewerCan:
        facts = ComplaintFacts(
            owner_id=self.owner_id,
            first_handler_id=self.first_handler_id,
            department_id=self.department_id,
        )
        actor = Actor.of(info.context.staff)

        def answer(deadlines: list[Any]) -> ComplaintViewerCan:
            situation = lifecycle.Situation.of(
                status=StatusValue(self.status.value),
                paused=self.paused_since is not None,
                plan_extended=self.plan_extended,
                deadlines=deadlines,
                at=clock.now(),
            )
            return ComplaintViewerCan(**complaint_abilities(actor, facts, situation))

        return now_or_later(info.context.loaders.deadlines_by_complaint, self.pk, answer)

    @classmethod
    def from_row(cls, row: ComplaintRow, viewer: Staff | Actor, loaders: Loaders) -> Complaint:
        """The complaint as `viewer` may see it. Its fields are made from the row when first
        read (`__getattr__`, `_FROM_ROW`): a page that shows four of them makes four, not
        forty, and masks no text it does not show. A page passes its viewer as an `Actor`,
        made once for all its rows.

        It keeps the request's `loaders`, so that its relations' resolvers take no `info`:
        for each call of a resolver that takes one the executor makes a strawberry Info (and
        the resolver reads it through two properties), ~0.7 us; a page calls them 680 times
        (six relations of 50 complaints, and the actor of 380 history entries)."""
        visible = sees_complaint_private(viewer, row)
        return cls.made(  # what the resolvers read first, and the facts (made_in_full)
            row,
            _SEE[visible],
            _loaders=loaders,
            pk=row.id,
            phone_visible=visible,
            raw_contact_phone=row.contact_phone,
            customer_id=row.customer_id,
            owner_id=row.owner_id,
            first_handler_id=row.first_handler_id,
            department_id=row.department_id,
            matter_key=row.matter_key,
            # what any list of complaints shows, copied at once: a first read through
            # `__getattr__` (a failed look-up, then the maker) costs ~1 µs, a copy ~0.1 µs
            id=global_id("Complaint", row.id),
            status=_STATUS[row.status],
            category=_CATEGORY[row.category],
            created_at=row.created_at,
        )


# What the relations of a complaint are made with, by whether its viewer sees its private data
# (`phone_visible`): made once, not a closure and a Viewer per complaint and field of a page.
_SEE = {visible: Viewer(visible) for visible in (True, False)}
_CUSTOMER = {
    visible: partial(Customer.from_row, phone_visible=visible, private=visible)
    for visible in (True, False)
}


def _urgencies_as(see: Viewer, rows: list[Any]) -> list[Urgency]:
    return [Urgency.from_row(r, see) for r in rows]


def _history_as(see: Viewer, staff: Any, rows: list[Any]) -> list[ComplaintEvent]:
    made = ComplaintEvent.from_row
    return [made(r, see, staff) for r in rows]


def _deadlines(rows: list[Any]) -> list[Deadline]:
    return [Deadline.from_row(r) for r in rows]


_URGENCIES = {visible: partial(_urgencies_as, see) for visible, see in _SEE.items()}


def _staff_or_none(row: Any) -> StaffMember | None:
    """A staff row as a StaffMember, made once per row of a request (a page names the same
    few people hundreds of times: owners, history actors)."""
    # a Row carries the columns StaffMember.from_row reads (a staff row's attributes)
    return once_per_row(row, "_member", StaffMember.from_row)


def _department_or_none(row: Any) -> Department | None:
    return Department.from_row(row) if row else None


def _supervision(row: Any, see: Viewer) -> Supervision | None:
    if row is None:
        return None
    started_by = row.flagged_by_complaint_id
    return Supervision(
        since=row.flagged_at,
        active=row.ended_at is None,
        cause=SupervisionCause(row.cause),
        reason=localize(see.text(row.reason)),
        complaints_at_start=row.complaints_at_flag,
        started_by_complaint_id=global_id("Complaint", started_by) if started_by else None,
        ended_at=row.ended_at,
        end_reason=localize(see.text(row.end_reason)),
        owner_id=row.owner_id,
        started_by_id=row.started_by_id,
        ended_by_id=row.ended_by_id,
    )


@strawberry.type(description="A complaint on a page, with the cursor to continue after it.")
class ComplaintEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the complaints after this.")
    node: Complaint = strawberry.field(description="The complaint.")


@strawberry.type(description="Where a page ends and whether there is more.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when another page follows (paging backward: the `before` row does)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when a page comes before this one: paging backward (`last`), when "
        "more rows precede; paging forward, when `after` was given."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge (pass it as `before`); null if empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge (pass it as `after`); null if empty."
    )

    @classmethod
    def of(cls, cursors: list[str], *, has_next: bool, has_previous: bool) -> PageInfo:
        return cls(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type(description="A page of complaints, newest first (Relay-style connection).")
class ComplaintConnection:
    edges: list[ComplaintEdge] = strawberry.field(description="The complaints on this page.")
    page_info: PageInfo = strawberry.field(description="How to get the next page.")
    total_count: int = strawberry.field(description="How many complaints match the filter in all.")


@strawberry.input(description="Narrow a complaint list; every given criterion must hold (AND).")
class ComplaintFilterInput:
    status: list[ComplaintStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    urgency: list[UrgencyReason] | None = strawberry.field(
        default=None, description="Having any of these urgency reasons."
    )
    urgent: bool | None = strawberry.field(
        default=None, description="true: only urgent ones (any reason)."
    )
    channel: list[Channel] | None = strawberry.field(
        default=None, description="Any of these channels."
    )
    category: list[Category] | None = strawberry.field(
        default=None, description="Any of these categories."
    )
    province: str | None = strawberry.field(default=None, description="Matter's province.")
    city: str | None = strawberry.field(default=None, description="Matter's city.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owned by this staff."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Routed to this department."
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Received at or after this instant."
    )
    created_to: datetime | None = strawberry.field(
        default=None, description="Received before this instant."
    )
    warning_colour: list[WarningColour] | None = strawberry.field(
        default=None, description="Any of these warning colours (C-5)."
    )
    supervised: bool | None = strawberry.field(
        default=None, description="true: only matters under supervised handling (C-10)."
    )
    overdue: bool | None = strawberry.field(
        default=None,
        description="true: a deadline has passed unmet (breached, or pending past due); "
        "false: none has.",
    )
    mine: bool | None = strawberry.field(
        default=None,
        description="true: only complaints you own (as `ownerId` set to your own id).",
    )
    open: bool | None = strawberry.field(
        default=None,
        description="true: only open complaints (not yet archived); false: only archived ones.",
    )
    due_within_hours: int | None = strawberry.field(
        default=None,
        description="Only complaints whose next pending deadline falls within N hours.",
    )


@strawberry.enum(description="How to order a complaint list.")
class ComplaintOrder(Enum):
    NEWEST = "newest"
    DUE_SOONEST = "due_soonest"


@strawberry.type(description="A department working on a complaint (C-8).")
class RoutedDepartment:
    department: Department = strawberry.field(description="The department.")
    investigator: StaffMember | None = strawberry.field(
        description=(
            "Its investigator: at intake the department's least-loaded handler; on a hand-over "
            "the new owner. Null: no active handler, the complaint is in the department's queue."
        )
    )
    handed_over: bool = strawberry.field(
        description="False: where routing sent it at intake; true: handed over to it later."
    )
    since: datetime = strawberry.field(description="When the department joined.")


@strawberry.type(description="Who works on a complaint across departments (C-8).")
class ComplaintRouting:
    departments: list[RoutedDepartment] = strawberry.field(
        description="The departments, in the order they joined; each owes a feedback deadline."
    )
    coordinator: StaffMember | None = strawberry.field(
        description="The complaint manager coordinating it; null until a second department joins."
    )


# How each field of `ComplaintEvent.from_row` is made from its row (C-12: `see` masks).
_EVENT_FROM_ROW: dict[str, Callable[[EventRow, Viewer], Any]] = {
    "id": lambda row, see: strawberry.ID(str(row.id)),
    "field": lambda row, see: row.field or None,
    "from_value": lambda row, see: history_value(row.field, see.field(row.field, row.from_value)),
    "to_value": lambda row, see: history_value(row.field, see.field(row.field, row.to_value)),
    "reason": lambda row, see: localize(see.text(row.reason)),
}

# the columns a complaint shows as stored, to every viewer
_STORED = (
    "service_code",
    "sp_code",
    "province",
    "city",
    "occurred_at",
    "revisit_satisfied",
    "reopen_count",
    "plan_extended",
    "paused_since",
    "updated_at",
    "acknowledged_at",
    "investigation_started_at",
    "plan_proposed_at",
    "resolution_started_at",
    "resolved_at",
    "revisited_at",
    "archived_at",
)


# How each field of `Complaint.from_row` is made from the row, as the viewer may see it (C-12).
_FROM_ROW: dict[str, Callable[[ComplaintRow, Viewer], Any]] = {
    "channel": member(Channel, "channel"),
    "contact_name": lambda row, see: see.name(row.contact_name),
    "contact_preference": member(ContactPreference, "contact_preference"),
    "summary": lambda row, see: see.private(row.summary),
    "details": lambda row, see: see.private(row.details),
    "customer_request": lambda row, see: see.private(row.customer_request),
    "location": lambda row, see: see.private(row.location),
    "staff_involved": lambda row, see: see.text(row.staff_involved),
    "severity": member(Severity, "severity"),
    "warning_colour": member(WarningColour, "warning_colour"),
    "plan": lambda row, see: see.text(row.plan),
    "result_cause": lambda row, see: see.text(row.result_cause),
    "result_solution": lambda row, see: see.text(row.result_solution),
    "result_prevention": lambda row, see: see.text(row.result_prevention),
    "revisit_note": lambda row, see: see.private(row.revisit_note),
    "paused_reason": lambda row, see: see.private(row.paused_reason),
    # shown as stored
    **{name: stored(name) for name in _STORED},
}
ComplaintEvent._made = _EVENT_FROM_ROW
Complaint._made = _FROM_ROW
Urgency._made = {
    "note": lambda row, see: localize(see.text(row.note)),
    "stored_evidence": stored("evidence"),
    "set_at": stored("created_at"),
}
Deadline._made = {
    **{name: stored(name) for name in ("key", "met_at", "breached_at", "provisional")},
    "note": lambda row, _: localize(row.note),
}

made_in_full(
    Complaint,
    {
        "pk",
        "phone_visible",
        "raw_contact_phone",
        "customer_id",
        "owner_id",
        "first_handler_id",
        "department_id",
        "matter_key",
        "id",
        "status",
        "category",
        "created_at",
    },
)
made_in_full(ComplaintEvent, {"actor_id", "at", "action"})
made_in_full(Urgency, {"reason"})
made_in_full(Deadline, {"kind", "due_at", "state"})
