"""Who may act, as pure rules over plain values: the actor, and the facts of the complaint,
refund, task or customer acted on (C-2, C-12, R-12); table.py names them per use case."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from services import approval_bands as bands
from services.errors import PermissionDenied
from services.permissions.facts import (
    CONSOLE_ROLES,
    HANDLING_ROLES,
    LEAD_ROLES,
    PARTNER_INTAKE_PREFIX,
)
from services.roles import Role


class StaffLike(Protocol):
    id: int
    username: str
    roles: Any
    department_id: int | None
    track: Any


@dataclass(frozen=True)
class Actor:
    """Who acts: their id, roles, department and approval track."""

    id: int
    roles: frozenset[str]
    department_id: int | None = None
    track: str = bands.Track.BRANCH.value
    partner_intake: bool = False  # a partner's intake account (it cannot log in)

    @classmethod
    def of(cls, staff: StaffLike) -> Actor:
        return cls(
            id=staff.id,
            roles=frozenset(str(r) for r in staff.roles),
            department_id=staff.department_id,
            track=str(staff.track),
            partner_intake=staff.username.startswith(PARTNER_INTAKE_PREFIX),
        )


@dataclass(frozen=True)
class ComplaintFacts:
    owner_id: int
    first_handler_id: int
    department_id: int | None


@dataclass(frozen=True)
class RefundFacts:
    complaint: ComplaintFacts
    requester_id: int
    band: int
    track: str


@dataclass(frozen=True)
class TaskFacts:
    complaint: ComplaintFacts
    owner_id: int


@dataclass(frozen=True)
class CustomerFacts:
    """Who handles each of the customer's complaints."""

    complaints: tuple[ComplaintFacts, ...]


class Subject(StrEnum):
    """What a use case acts on, found by the keyword argument of the same name + `_id`."""

    NONE = "none"
    COMPLAINT = "complaint"
    REFUND = "refund"
    TASK = "task"
    NOTICE = "notice"  # the facts of the notice's complaint
    CUSTOMER = "customer"
    COMPENSATION = "compensation"  # a special decision: RefundFacts of band and recorder


# rules ---------------------------------------------------------------------------------------


def _any(roles: Collection[str], wanted: Collection[str]) -> bool:
    """Any of `wanted` among `roles`. An actor's roles are a frozenset: one C call, not a
    generator per rule (the rules run for each complaint of a page, 50 a page)."""
    if isinstance(roles, frozenset):
        return not roles.isdisjoint(wanted)
    return any(r in roles for r in wanted)


def staff_member(a: Actor, _: object = None) -> bool:
    """Any person on the staff (not a partner's intake account)."""
    return not a.partner_intake


def handling(a: Actor, _: object = None) -> bool:
    """A person who handles complaints (handler or lead)."""
    return staff_member(a) and _any(a.roles, HANDLING_ROLES)


def takes_complaints(a: Actor, _: object = None) -> bool:
    """C-2: a handler or lead takes a complaint, and so does a partner's intake account."""
    return _any(a.roles, HANDLING_ROLES)


def handles(a: Actor, c: ComplaintFacts) -> bool:
    """C-2: the complaint's owner acts on it (首问负责), and the leads of its department."""
    if not handling(a):
        return False
    if a.id == c.owner_id:
        return True
    return _any(a.roles, LEAD_ROLES) and c.department_id in (None, a.department_id)


def sees_private(a: Actor, c: ComplaintFacts) -> bool:
    """C-12: whoever handles the complaint, and its first handler, see its private data."""
    return handles(a, c) or (handling(a) and a.id == c.first_handler_id)


def requests_refund(a: Actor, c: ComplaintFacts) -> bool:
    """R-1: whoever handles the complaint; the partner account for the dispute it took."""
    return handles(a, c) or (a.partner_intake and a.id == c.owner_id)


def completes_task(a: Actor, t: TaskFacts) -> bool:
    """C-8: the task's owner, or whoever handles its complaint."""
    return (handling(a) and a.id == t.owner_id) or handles(a, t.complaint)


def handles_refund(a: Actor, r: RefundFacts) -> bool:
    """The refund's complaint is handled by `a` (its owner or a lead of its department)."""
    return handles(a, r.complaint)


def approver_refusal(a: Actor, r: RefundFacts) -> str | None:
    """R-12: why `a` may not decide this refund, or None: band, track, never the requester."""
    if a.partner_intake:
        return "R-12: a partner's intake account approves nothing."
    try:
        bands.check_approver(
            requester_id=r.requester_id,
            approver_id=a.id,
            approver_roles=a.roles,
            approver_track=bands.Track(a.track),
            refund_band=r.band,
            refund_track=bands.Track(r.track),
        )
    except PermissionDenied as exc:
        return exc.message
    return None


def approves(a: Actor, r: RefundFacts) -> bool:
    return approver_refusal(a, r) is None


def approving_role(a: Actor, _: object = None) -> bool:
    """R-12: holds a role that approves some band above 0 (an approver's queue)."""
    return staff_member(a) and (bands.highest_band(a.roles) or 0) >= 1


def customer_private(a: Actor, cu: CustomerFacts) -> bool:
    """C-12: handles (or first took) one of the customer's complaints."""
    return any(sees_private(a, c) for c in cu.complaints)


def auditor(a: Actor, _: object = None) -> bool:
    return staff_member(a) and Role.AUDITOR.value in a.roles


def admin(a: Actor, _: object = None) -> bool:
    return staff_member(a) and Role.ADMIN.value in a.roles


def console(a: Actor, _: object = None) -> bool:
    """The console's people: admins and auditors read every page."""
    return staff_member(a) and _any(a.roles, CONSOLE_ROLES)


def risk_profile_reader(a: Actor, cu: CustomerFacts) -> bool:
    """K-1 status is private (C-12): the customer's handlers, auditors and admins."""
    return customer_private(a, cu) or console(a)


def reads_analysis(a: Actor, _: object = None) -> bool:
    """C-11: leads and managers, auditors and admins (not handlers, not partner accounts)."""
    return not a.partner_intake and any(r in a.roles for r in LEAD_ROLES | CONSOLE_ROLES)


def rectifies(a: Actor, _: object = None) -> bool:
    """A-3: a lead or manager plans a rectification (the owner's side); so may an auditor."""
    return not a.partner_intake and any(r in a.roles for r in LEAD_ROLES | {"auditor"})
