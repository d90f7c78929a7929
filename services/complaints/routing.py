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
from datetime import datetime

from tortoise.functions import Count

from services.complaints import deadlines, rules, supervision
from services.complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineKind
from services.complaints.policy import can_handle
from services.complaints.routing_models import (
    ComplaintCoordination,
    ComplaintDepartment,
    RoutingRole,
)
from services.permissions.facts import UNRESOLVED
from services.staff.models import Department, Role, Staff


async def _least_loaded(candidates: list[Staff]) -> Staff | None:
    if not candidates:
        return None
    rows = (
        await ComplaintDepartment.filter(
            investigator_id__in=[s.id for s in candidates], complaint__status__in=list(UNRESOLVED)
        )
        .group_by("investigator_id")
        .annotate(n=Count("id"))
        .values_list("investigator_id", "n")
    )
    load = dict(rows)
    return min(candidates, key=lambda s: (load.get(s.id, 0), s.id))


async def investigator_for(department_id: int) -> Staff | None:
    """The department's least-loaded active handler, or None (its queue)."""
    staff = await Staff.filter(department_id=department_id, is_active=True).order_by("id")
    return await _least_loaded([s for s in staff if can_handle(s.roles)])


async def route_at_intake(complaint: Complaint, *, actor: Staff, at: datetime) -> list[Deadline]:
    """Record the routed department and its investigator; the feedback deadline when the
    department is not the taker's own."""
    if complaint.department_id is None:
        return []
    department = await Department.get(id=complaint.department_id)
    investigator = await investigator_for(department.id)
    await ComplaintDepartment.create(
        complaint=complaint,
        department=department,
        investigator=investigator,
        role=RoutingRole.ROUTED,
    )
    await ComplaintEvent.create(
        complaint=complaint,
        actor=actor,
        action="routed",
        field="investigator",
        to_value=investigator.username if investigator else f"{department.code} queue",
        reason=f"C-8: {complaint.category.value} goes to {department.code}",
    )
    if department.id == actor.department_id:
        return []
    who = investigator.username if investigator else f"{department.code}'s queue"
    return [
        await deadlines.add(
            complaint.id,
            DeadlineKind.DEPARTMENT_FEEDBACK,
            await deadlines.working_days_after(at, rules.DEPARTMENT_FEEDBACK_WORKING_DAYS),
            f"{department.code} ({who}) feeds back to the complaint's owner (C-8)",
            key=f"department_feedback:{department.code}",
        )
    ]


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
