"""C-10 supervised handling (督办): started by ONE customer's repeat complaints on one matter
reaching 3, or by an A-3 rectification; owned by the complaint manager; ended when the matter's
complaints are resolved and verified (archived)."""

from __future__ import annotations

import pytest

from services.complaints import rules, service, supervision
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    Notification,
    SupervisedMatter,
    SupervisionCause,
)
from services.errors import ErrorCode, InvalidInput, NotFound
from services.staff.models import Role, Track
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved


async def archive(handler, complaint_id: int) -> None:
    await walk_to_resolved(handler, complaint_id)
    await service.record_revisit(actor=handler, complaint_id=complaint_id, satisfied=True)
    await service.archive(actor=handler, complaint_id=complaint_id)


async def archived_chain(handler, customer, n: int) -> list[int]:
    """n complaints of one customer on one matter, each archived before the next comes in."""
    ids = []
    for _ in range(n):
        complaint = await f.complaint(handler, customer)
        await archive(handler, complaint.id)
        ids.append(complaint.id)
    return ids


@pytest.fixture
async def people():
    dept = await f.department()
    return {
        "handler": await f.staff(Role.HANDLER, dept=dept),
        "head": await f.staff(Role.SUPERVISOR, dept=dept, head=True),
        "manager": await f.staff(Role.SUPERVISOR, track=Track.SERVICE_CENTRE, head=True),
    }


async def test_c10_three_customers_with_one_complaint_each_start_nothing(people):
    for _ in range(3):
        await f.complaint(people["handler"])

    assert not await SupervisedMatter.exists()


async def test_c10_three_open_complaints_of_one_customer_are_not_repeat_complaints(people):
    customer = await f.customer()
    for _ in range(3):  # none archived before the next: no repeat (C-3)
        await f.complaint(people["handler"], customer)

    assert not await SupervisedMatter.exists()


async def test_c10_the_customers_third_complaint_two_repeats_starts_supervision(people):
    handler, customer = people["handler"], await f.customer()
    chain = await archived_chain(handler, customer, 2)
    assert not await SupervisedMatter.exists()  # the first and one repeat: two

    third = await f.complaint(handler, customer)

    period = await SupervisedMatter.get(matter_key=third.matter_key)
    assert period.cause == SupervisionCause.REPEAT_COMPLAINTS
    assert (period.complaints_at_flag, period.flagged_by_complaint_id) == (3, third.id)
    assert (period.customer_id, period.owner_id, period.ended_at) == (
        customer.id,
        people["manager"].id,
        None,
    )
    assert str(sorted([*chain, third.id])) in period.reason
    started = await ComplaintEvent.get(complaint_id=third.id, action="supervision_started")
    assert "owner Staff" in started.reason and "repeat" in started.reason
    told = await Notification.filter(kind="supervision").values_list("recipient_id", flat=True)
    assert sorted(told) == sorted([people["manager"].id, people["head"].id])


async def test_c10_without_a_complaint_manager_the_departments_head_owns_it():
    dept = await f.department()
    handler = await f.staff(Role.HANDLER, dept=dept)
    head = await f.staff(Role.MANAGER, dept=dept, head=True)
    customer = await f.customer()
    await archived_chain(handler, customer, 2)

    third = await f.complaint(handler, customer)

    assert (await supervision.open_period(third.matter_key)).owner_id == head.id


async def test_c10_the_threshold_is_configurable(people):
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key=rules.SUPERVISION_COMPLAINTS, value=2, reason="试点", changed_by_id=admin.id
    )
    handler, customer = people["handler"], await f.customer()
    await archived_chain(handler, customer, 1)

    second = await f.complaint(handler, customer)

    assert (await supervision.open_period(second.matter_key)).complaints_at_flag == 2


async def test_c10_supervision_ends_once_every_complaint_of_the_matter_is_archived(people):
    handler, customer = people["handler"], await f.customer()
    await archived_chain(handler, customer, 2)
    third = await f.complaint(handler, customer)
    other = await f.complaint(handler)  # another customer's open complaint on the matter

    await archive(handler, third.id)
    assert (await supervision.open_period(third.matter_key)) is not None  # `other` is open

    await archive(handler, other.id)

    ended = await SupervisedMatter.get(matter_key=third.matter_key)
    assert ended.ended_at is not None and ended.ended_by_id == handler.id
    assert ended.ended_by_complaint_id == other.id
    assert "revisited with the customer satisfied and archived" in ended.end_reason
    event = await ComplaintEvent.get(complaint_id=other.id, action="supervision_ended")
    assert event.from_value == "repeat_complaints" and event.actor_id == handler.id
    assert await Notification.filter(key=f"supervision:{ended.id}:ended").count() == 2
    # resolved and verified: rechecking again starts nothing, a new repeat starts a new period
    assert await supervision.recheck(third.matter_key, actor=handler) is None
    fourth = await f.complaint(handler, customer)
    periods = await SupervisedMatter.filter(matter_key=fourth.matter_key).order_by("id")
    assert [p.ended_at is None for p in periods] == [False, True]
    assert periods[1].complaints_at_flag == 4


async def test_c10_a3_rectification_starts_supervision_with_who_and_why(people):
    handler, lead = people["handler"], people["head"]
    complaint = await f.complaint(handler)

    period = await supervision.start(
        matter_key=complaint.matter_key.upper(), reason="同一计费问题整改未落实 (A-3)", actor=lead
    )
    again = await supervision.start(matter_key=complaint.matter_key, reason="再次", actor=None)

    assert again.id == period.id  # one open period per matter
    assert period.cause == SupervisionCause.RECTIFICATION and period.started_by_id == lead.id
    assert period.owner_id == people["manager"].id and period.reason.startswith("同一计费")
    started = await ComplaintEvent.get(complaint_id=complaint.id, action="supervision_started")
    assert started.actor_id == lead.id and started.to_value == "rectification"

    # it ends when the matter's complaints are archived after it started, or by hand
    await archive(handler, complaint.id)
    ended = await SupervisedMatter.get(id=period.id)
    assert ended.ended_at is not None  # the archive step ended it
    await supervision.start(matter_key=complaint.matter_key, reason="复查", actor=lead)
    assert await supervision.recheck(complaint.matter_key, actor=handler) is None  # nothing new
    by_hand = await supervision.end(
        matter_key=complaint.matter_key, reason="整改已验证", actor=lead
    )
    assert by_hand is not None and by_hand.end_reason == "整改已验证"


async def test_c10_start_refuses_blank_input_and_an_unknown_matter(people):
    with pytest.raises(InvalidInput) as blank:
        await supervision.start(matter_key="k", reason=" ", actor=None)
    with pytest.raises(NotFound):
        await supervision.start(matter_key="no|such|matter", reason="A-3", actor=None)
    assert blank.value.code == ErrorCode.REQUIRED
    assert not await SupervisedMatter.exists()
    assert not await Complaint.exists()
