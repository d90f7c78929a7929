"""C-8: routing gives a complaint its department, an investigator and a feedback deadline; a
complaint that crosses departments is coordinated by the complaint manager."""

from __future__ import annotations

from services.complaints import service, supervision
from services.complaints.models import (
    Category,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    DeadlineState,
)
from services.complaints.routing_models import ComplaintCoordination, ComplaintDepartment
from services.staff.models import Role, Track
from tests import factories as f


async def test_c8_intake_gives_the_least_loaded_handler_and_a_feedback_deadline():
    network = await f.department(code="NET", name="网络部")
    front_desk = await f.department(code="CS", name="客服部")
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    busy = await f.staff(Role.HANDLER, dept=network)
    free = await f.staff(Role.HANDLER, dept=network)
    await f.staff(Role.TEAM_LEAD, Role.HANDLER, dept=network)  # a lead handles too: least id wins
    await ComplaintDepartment.create(
        complaint=await f.complaint(taker), department=network, investigator=busy, role="routed"
    )

    complaint = await f.complaint(taker, category=Category.NETWORK_FAULT)

    routed = await ComplaintDepartment.get(complaint_id=complaint.id)
    assert (routed.department_id, routed.investigator_id) == (network.id, free.id)
    assert complaint.owner_id == taker.id  # the taker keeps it (C-2 首问负责)
    feedback = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.DEPARTMENT_FEEDBACK)
    assert feedback.key == "department_feedback:NET" and free.username in feedback.note
    event = await ComplaintEvent.get(complaint_id=complaint.id, action="routed")
    assert event.to_value == free.username


async def test_c8_a_department_without_handlers_gets_it_in_its_queue():
    network = await f.department(code="NET")
    taker = await f.staff(Role.HANDLER, dept=await f.department(code="CS"))

    complaint = await f.complaint(taker, category=Category.NETWORK_FAULT)

    routed = await ComplaintDepartment.get(complaint_id=complaint.id)
    assert (routed.department_id, routed.investigator_id) == (network.id, None)
    assert (
        "NET's queue"
        in (
            await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.DEPARTMENT_FEEDBACK)
        ).note
    )


async def test_c8_routed_to_the_takers_own_department_needs_no_feedback_deadline():
    billing = await f.department(code="CS")
    taker = await f.staff(Role.HANDLER, dept=billing)

    complaint = await f.complaint(taker, category=Category.BILLING_ERROR)

    assert (await ComplaintDepartment.get(complaint_id=complaint.id)).investigator_id == taker.id
    assert not await Deadline.exists(
        complaint_id=complaint.id, kind=DeadlineKind.DEPARTMENT_FEEDBACK
    )


async def test_c8_a_second_department_brings_the_complaint_manager_to_coordinate():
    front_desk = await f.department(code="CS")
    network = await f.department(code="NET")
    ops = await f.department(code="OPS")
    manager = await f.staff(Role.MANAGER, dept=front_desk)
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    await f.staff(Role.HANDLER, dept=network)
    field_engineer = await f.staff(Role.HANDLER, dept=ops)
    complaint = await f.complaint(taker, category=Category.NETWORK_FAULT)

    await service.assign(
        actor=taker,
        complaint_id=complaint.id,
        owner_id=field_engineer.id,
        reason="需要现场勘查",
        department_id=ops.id,
    )

    coordination = await ComplaintCoordination.get(complaint_id=complaint.id)
    assert coordination.coordinator_id == manager.id
    feedback = await Deadline.filter(
        complaint_id=complaint.id, kind=DeadlineKind.DEPARTMENT_FEEDBACK
    ).order_by("id")
    assert [d.state for d in feedback] == [DeadlineState.PENDING] * 2  # NET's and OPS's
    assert "user" in feedback[1].note and field_engineer.username in feedback[1].note
    assert await ComplaintEvent.exists(complaint_id=complaint.id, action="coordinated")


async def test_c8_the_complaint_manager_who_owns_supervision_also_coordinates():
    front_desk = await f.department(code="CS")
    network, ops = await f.department(code="NET"), await f.department(code="OPS")
    await f.staff(Role.MANAGER, dept=front_desk)  # a manager, but not the complaint manager
    complaint_manager = await f.staff(
        Role.SUPERVISOR, dept=front_desk, track=Track.SERVICE_CENTRE, head=True
    )
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    await f.staff(Role.HANDLER, dept=network)
    engineer = await f.staff(Role.HANDLER, dept=ops)
    complaint = await f.complaint(taker, category=Category.NETWORK_FAULT)

    await service.assign(
        actor=taker,
        complaint_id=complaint.id,
        owner_id=engineer.id,
        reason="现场",
        department_id=ops.id,
    )

    coordination = await ComplaintCoordination.get(complaint_id=complaint.id)
    assert coordination.coordinator_id == complaint_manager.id
    assert await supervision.owner_for(network.id) == complaint_manager  # one definition
