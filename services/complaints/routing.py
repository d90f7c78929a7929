"""C-8 routing: a complaint goes to the responsible department with an investigator and a
feedback deadline; a complaint that crosses departments is coordinated by the complaint manager.

- The department: the routing rules by category (a threshold an admin edits), else the taker's.
- The investigator: the department's least-loaded active handler (fewest unresolved complaints
  they investigate; the lowest id on a tie); None when the department has no active handler:
  it sits in the department's queue until a lead hands it to someone.
- The feedback deadline (2 working days by default): when the routed department is not the
  taker's own (the taker keeps the complaint, 首问负责, and the department feeds back); a
  hand-over to another department starts one for that department (lifecycle row `assign`).
- The coordinator: when a second department joins, the complaint manager (投诉主管, as C-10's
  supervision names it; else the manager of the department that took the complaint) coordinates,
  once.
All of it inside the caller's transaction, recorded in the complaint's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.connection import get_connection
from tortoise.functions import Count

from services.complaints import deadlines, rules, supervision
from services.complaints.models import UNRESOLVED, Complaint, ComplaintEvent, DeadlineKind
from services.complaints.policy import HANDLING_ROLES
from services.complaints.routing_models import (
    ComplaintCoordination,
    ComplaintDepartment,
    RoutingRole,
)
from services.staff.models import Department, Role, Staff
from services.thresholds import service as thresholds


@dataclass(frozen=True)
class Investigator:
    """The staff member a routed department gives a complaint to (C-8)."""

    id: int
    username: str


# the department's active handlers, least loaded first (fewest unresolved complaints they
# investigate; the lowest id on a tie), in one statement; the load is the count of their open
# rows of complaint_departments that migration 0028's trigger keeps in investigator_loads (a
# few rows each), not a count of those rows. {0}: the department's id, {1}: the handling roles
# (`LEAST_LOADED_ROLES`)
LEAST_LOADED_SQL = """
SELECT s.id, s.username
  FROM staff s
 WHERE s.department_id = {0} AND s.is_active AND jsonb_exists_any(s.roles, {1}::text[])
 ORDER BY (SELECT coalesce(sum(l.open), 0) FROM investigator_loads l
            WHERE l.investigator_id = s.id), s.id
 LIMIT 1
"""
LEAST_LOADED_ROLES = sorted(r.value for r in HANDLING_ROLES)

# the rows each database session added to (its backend pid for a slot, migration 0028) folded
# into slot 0; a row a running transaction holds is skipped (it waits for no one), next time
_FOLD_LOADS_SQL = """
WITH taken AS (
    DELETE FROM investigator_loads
     WHERE (investigator_id, slot) IN (SELECT investigator_id, slot FROM investigator_loads
                                        WHERE slot <> 0 FOR UPDATE SKIP LOCKED)
    RETURNING investigator_id, open)
INSERT INTO investigator_loads (investigator_id, slot, open)
SELECT investigator_id, 0, sum(open) FROM taken GROUP BY investigator_id
ON CONFLICT (investigator_id, slot) DO UPDATE SET open = investigator_loads.open + EXCLUDED.open
RETURNING investigator_id
"""


async def fold_loads() -> int:
    """Keep the investigators' loads a row each (`LEAST_LOADED_SQL` sums them); the number
    of investigators whose rows were folded."""
    return len(await get_connection("default").execute_query_dict(_FOLD_LOADS_SQL))


async def department(*, code: str | None = None, id: int | None = None) -> Department | None:
    """A department by code or id, kept per process until the thresholds change (the routing
    rules name departments by code; found ones only: a department added later is seen)."""
    known = await thresholds.memo("complaints.routing.departments")
    key = ("code", code) if code is not None else ("id", id)
    if key not in known:
        row = await (Department.get_or_none(code=code) if code else Department.get_or_none(id=id))
        if row is None:
            return None
        known[("code", row.code)] = known[("id", row.id)] = row
    found: Department = known[key]
    return found


@dataclass(frozen=True)
class IntakeRoute:
    """Where a complaint being taken goes (C-8), worked out before its transaction."""

    department: Department
    investigator: Investigator | None
    feedback: deadlines.WorkingSpan | None  # the department is not the taker's own
    feedback_note: str


async def intake_department(category: str, *, taker: Staff) -> Department | None:
    """The department the routing rules send `category` to, else the taker's (kept per
    process: no statement once known)."""
    code = (await thresholds.current(rules.ROUTING)).get(category)
    found = await department(code=code) if code else None
    if found is None and taker.department_id is not None:
        found = await department(id=taker.department_id)
    return found


async def intake_route(
    found: Department | None, investigator: Investigator | None, *, taker: Staff, at: datetime
) -> IntakeRoute | None:
    """The route to `found` (`intake_department`) with its `investigator` (the least loaded,
    `LEAST_LOADED_SQL`), and the feedback deadline when the department is not the taker's
    own."""
    if found is None:
        return None
    if found.id == taker.department_id:
        return IntakeRoute(found, investigator, None, "")
    who = investigator.username if investigator else f"{found.code}'s queue"
    return IntakeRoute(
        found,
        investigator,
        await deadlines.working_days_after(at, rules.DEPARTMENT_FEEDBACK_WORKING_DAYS),
        f"{found.code} ({who}) feeds back to the complaint's owner (C-8)",
    )


def feedback_deadline(route: IntakeRoute | None) -> list[deadlines.NewDeadline]:
    """The feedback deadline of an intake route, if it has one."""
    if route is None or route.feedback is None:
        return []
    return [
        deadlines.NewDeadline(
            DeadlineKind.DEPARTMENT_FEEDBACK,
            route.feedback,
            route.feedback_note,
            key=f"department_feedback:{route.department.code}",
        )
    ]


def route_at_intake(
    complaint: Complaint, *, actor: Staff, route: IntakeRoute
) -> tuple[ComplaintDepartment, ComplaintEvent]:
    """The routed department and its investigator, and the history event (C-8), not yet
    written: the intake writes the row with the complaint, the event after its
    classification."""
    department, investigator = route.department, route.investigator
    row = ComplaintDepartment(
        complaint_id=complaint.id,
        department_id=department.id,
        investigator_id=investigator.id if investigator else None,
        role=RoutingRole.ROUTED,
    )
    event = ComplaintEvent(
        complaint_id=complaint.id,
        actor=actor,
        action="routed",
        field="investigator",
        to_value=investigator.username if investigator else f"{department.code} queue",
        reason=f"C-8: {complaint.category.value} goes to {department.code}",
    )
    return row, event


async def coordinator_for(complaint: Complaint) -> Staff | None:
    """The complaint manager (投诉主管, one definition: supervision.complaint_manager); where the
    operator has none, the manager of the department that took the complaint, else the
    least-loaded manager."""
    named = await supervision.complaint_manager()
    if named is not None:
        return named
    first = await Staff.get_or_none(id=complaint.first_handler_id)
    managers = await Staff.filter(is_active=True).order_by("id")
    managers = [s for s in managers if Role.MANAGER in s.roles]
    if first is not None:
        own = [s for s in managers if s.department_id == first.department_id]
        if own:
            return own[0]
    if not managers:
        return None
    coordinating = dict(
        await ComplaintCoordination.filter(
            coordinator_id__in=[s.id for s in managers],
            complaint__status__in=list(UNRESOLVED),
        )
        .group_by("coordinator_id")
        .annotate(n=Count("id"))
        .values_list("coordinator_id", "n")
    )
    return min(managers, key=lambda s: (coordinating.get(s.id, 0), s.id))


async def hand_over(
    complaint: Complaint, *, department_id: int, investigator: Staff, actor: Staff
) -> Staff | None:
    """A hand-over to `department_id`: the department joins with its investigator; the
    coordinator when this makes the complaint cross departments (returned when newly set)."""
    joined, created = await ComplaintDepartment.get_or_create(
        complaint_id=complaint.id,
        department_id=department_id,
        defaults={"investigator": investigator, "role": RoutingRole.HANDED_OVER},
    )
    if not created and joined.investigator_id != investigator.id:
        joined.investigator = investigator
        await joined.save(update_fields=["investigator_id"])
    involved = await ComplaintDepartment.filter(complaint_id=complaint.id).count()
    if involved < 2 or await ComplaintCoordination.exists(complaint_id=complaint.id):
        return None
    manager = await coordinator_for(complaint)
    if manager is None:
        return None
    await ComplaintCoordination.create(complaint_id=complaint.id, coordinator=manager)
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        actor=actor,
        action="coordinated",
        field="coordinator",
        to_value=manager.username,
        reason=f"C-8: {involved} departments; the complaint manager coordinates",
    )
    return manager


async def of_complaints(
    complaint_ids: Sequence[int],
) -> dict[int, tuple[list[ComplaintDepartment], ComplaintCoordination | None]]:
    """Each complaint's departments (oldest first, with department and investigator loaded)
    and its coordination, in two queries."""
    ids = list(complaint_ids)
    departments = (
        await ComplaintDepartment.filter(complaint_id__in=ids)
        .select_related("department", "investigator")
        .order_by("complaint_id", "id")
    )
    coordinations = await ComplaintCoordination.filter(complaint_id__in=ids).select_related(
        "coordinator"
    )
    coordinated = {c.complaint_id: c for c in coordinations}
    found: dict[int, tuple[list[ComplaintDepartment], ComplaintCoordination | None]] = {
        i: ([], coordinated.get(i)) for i in ids
    }
    for row in departments:
        found[row.complaint_id][0].append(row)
    return found
