"""C-7, C-8, C-9, C-10 with real timestamps on the real working-day calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services import clock
from services.complaints import deadlines, lifecycle, rules, service, tasks, timekeeping
from services.complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintTask,
    ContactPreference,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Notification,
    TaskKind,
    WarningColour,
)
from services.errors import IllegalTransition, InvalidInput
from services.notices import confirmations
from services.notices.models import Notice
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def frozen(monkeypatch):
    """Set the domain's clock: `frozen(local(2026, 2, 13, 15))`."""

    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_now


async def due(complaint_id: int, kind: DeadlineKind) -> Deadline:
    return await Deadline.filter(complaint_id=complaint_id, kind=kind).order_by("-id").first()


async def test_c7_deadlines_cross_the_2026_spring_festival_and_an_adjusted_saturday(frozen):
    # Friday 13 Feb 2026 15:00; Sat 14 Feb is a working day (调休); 15–23 Feb is the holiday
    frozen(local(2026, 2, 13, 15))
    handler = await f.staff(Role.HANDLER)

    complaint = await f.complaint(handler)

    acknowledge = await due(complaint.id, DeadlineKind.ACKNOWLEDGE)
    plan = await due(complaint.id, DeadlineKind.INITIAL_PLAN)
    assert acknowledge.due_at == local(2026, 2, 14, 15)  # the adjusted working Saturday
    assert plan.due_at == local(2026, 2, 25, 15)  # Sat 14, Tue 24, Wed 25


async def test_c7_a_complaint_taken_on_a_holiday_counts_from_the_next_working_day(frozen):
    frozen(local(2026, 2, 18, 10))  # 初二, inside the Spring Festival holiday
    handler = await f.staff(Role.HANDLER)

    complaint = await f.complaint(handler)

    acknowledge = await due(complaint.id, DeadlineKind.ACKNOWLEDGE)
    assert acknowledge.due_at == local(2026, 2, 25, 0)  # by the end of Tue 24 Feb


async def test_c7_result_feedback_is_due_24_hours_after_the_result_and_met_when_told(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await Complaint.filter(id=complaint.id).update(contact_preference=ContactPreference.PHONE)
    await walk_to_resolved(handler, complaint.id, revisit_window_open=False)

    feedback = await due(complaint.id, DeadlineKind.RESULT_FEEDBACK)
    assert feedback.due_at == local(2026, 3, 3, 9)
    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.PHONE
    )

    await feedback.refresh_from_db()
    assert feedback.state == DeadlineState.MET  # told by phone: met when the call is recorded


async def test_c9_a_result_told_by_sms_is_met_when_the_notice_is_delivered(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)  # prefers SMS
    await walk_to_resolved(handler, complaint.id, revisit_window_open=False)
    feedback = await due(complaint.id, DeadlineKind.RESULT_FEEDBACK)

    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.SMS
    )
    await feedback.refresh_from_db()
    written_only = feedback.state
    notice = await Notice.get(key=f"complaint:{complaint.id}:result:0")
    await confirmations.on_delivered(notice, at=local(2026, 3, 2, 15))
    await feedback.refresh_from_db()

    assert written_only == DeadlineState.PENDING  # written is not told
    assert (feedback.state, feedback.met_at) == (DeadlineState.MET, local(2026, 3, 2, 15))


async def test_c9_the_result_by_another_channel_than_the_preferred_one_needs_a_reason(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)  # prefers SMS
    await walk_to_resolved(handler, complaint.id, revisit_window_open=False)

    with pytest.raises(InvalidInput) as refused:
        await timekeeping.record_result_told(
            actor=handler, complaint_id=complaint.id, via=ContactPreference.PHONE
        )
    await timekeeping.record_result_told(
        actor=handler,
        complaint_id=complaint.id,
        via=ContactPreference.PHONE,
        note="客户来电询问，电话告知结果",
    )

    assert refused.value.field == "note"
    feedback = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.RESULT_FEEDBACK)
    assert feedback.state == DeadlineState.MET


async def test_c7_revisit_window_opens_3_and_closes_7_working_days_after_the_result(frozen):
    frozen(local(2026, 3, 2, 9))  # Monday
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id, revisit_window_open=False)
    opens = await due(complaint.id, DeadlineKind.REVISIT_OPENS)
    closes = await due(complaint.id, DeadlineKind.REVISIT_CLOSES)
    assert (opens.due_at, closes.due_at) == (local(2026, 3, 5, 9), local(2026, 3, 11, 9))

    frozen(local(2026, 3, 4, 9))
    with pytest.raises(IllegalTransition, match="revisit window opens 2026-03-05 09:00"):
        await service.record_revisit(actor=handler, complaint_id=complaint.id, satisfied=True)
    frozen(local(2026, 3, 6, 9))
    revisited = await service.record_revisit(
        actor=handler, complaint_id=complaint.id, satisfied=True
    )

    await closes.refresh_from_db()
    assert revisited.status == "revisited" and closes.state == DeadlineState.MET


async def test_c7_plan_deadline_is_extended_once_and_only_before_it_passes(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    extend = dict(
        actor=handler,
        complaint_id=complaint.id,
        reason="需要跨省核查话单",
        customer_told_via=ContactPreference.SMS,
    )

    with pytest.raises(InvalidInput):
        await timekeeping.extend_plan_deadline(**{**extend, "reason": ""})
    await timekeeping.extend_plan_deadline(**extend)
    with pytest.raises(IllegalTransition, match="once"):
        await timekeeping.extend_plan_deadline(**extend)

    plan = await due(complaint.id, DeadlineKind.INITIAL_PLAN)
    assert plan.due_at == local(2026, 3, 10, 9)  # 3 + 3 working days after Mon 2 Mar
    late = await f.complaint(handler)
    frozen(local(2026, 3, 6, 9))
    with pytest.raises(IllegalTransition, match="passed"):
        await timekeeping.extend_plan_deadline(**{**extend, "complaint_id": late.id})


async def test_c7_a_paused_clock_is_not_enforced_and_moves_deadlines_on_resume(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await timekeeping.pause_clock(actor=handler, complaint_id=complaint.id, reason="等客户提供发票")
    acknowledge = await due(complaint.id, DeadlineKind.ACKNOWLEDGE)

    assert await deadlines.sweep(at=local(2026, 3, 4, 9)) == 0
    frozen(local(2026, 3, 4, 9))
    await timekeeping.resume_clock(actor=handler, complaint_id=complaint.id)

    await acknowledge.refresh_from_db()
    assert acknowledge.state == DeadlineState.PENDING
    assert acknowledge.due_at == local(2026, 3, 5, 9)  # two days later, as long as it waited
    resumed = await ComplaintEvent.get(complaint_id=complaint.id, action="clock_resumed")
    assert "waited 48h00m" in resumed.reason


async def test_c7_a_missed_deadline_notifies_owner_and_head_and_raises_the_colour(frozen):
    frozen(local(2026, 3, 2, 9))
    dept = await f.department()
    head = await f.staff(Role.SUPERVISOR, dept=dept, head=True)
    handler = await f.staff(Role.HANDLER, dept=dept)
    complaint = await f.complaint(handler)
    assert complaint.warning_colour == WarningColour.BLUE

    assert await deadlines.sweep(at=local(2026, 3, 3, 10)) == 1
    assert await deadlines.sweep(at=local(2026, 3, 3, 10)) == 0

    saved = await Complaint.get(id=complaint.id)
    assert saved.warning_colour == WarningColour.YELLOW
    recipients = set(
        await Notification.filter(kind="deadline_breached").values_list("recipient_id", flat=True)
    )
    assert recipients == {handler.id, head.id}
    assert await Notification.filter(kind="escalation", recipient_id=head.id).count() == 1


async def test_c9_a_promise_becomes_a_deadline_of_its_own(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    promise = await timekeeping.record_promise(
        actor=handler,
        complaint_id=complaint.id,
        promise="48小时内答复处理结果",
        due_at=local(2026, 3, 4, 9),
    )
    assert (promise.kind, promise.key, promise.due_at) == (
        DeadlineKind.PROMISE,
        "promise:1",
        local(2026, 3, 4, 9),
    )
    kept = await timekeeping.keep_promise(actor=handler, complaint_id=complaint.id, key="promise:1")

    assert kept.state == DeadlineState.MET
    with pytest.raises(InvalidInput):
        await timekeeping.record_promise(
            actor=handler, complaint_id=complaint.id, promise="x", due_at=local(2026, 3, 1, 9)
        )


async def test_c8_category_routes_to_its_department_and_a_handover_gets_a_feedback_deadline(frozen):
    frozen(local(2026, 3, 2, 9))
    network = await f.department(code="NET", name="网络部")
    handler = await f.staff(Role.HANDLER)
    investigator = await f.staff(Role.HANDLER, dept=network)

    complaint = await f.complaint(handler, category=Category.NETWORK_FAULT)
    assert complaint.department_id == network.id
    await service.assign(
        actor=handler,
        complaint_id=complaint.id,
        owner_id=investigator.id,
        reason="网络故障排查",
        department_id=(await f.department(code="OPS")).id,
    )

    feedback = await due(complaint.id, DeadlineKind.DEPARTMENT_FEEDBACK)
    assert feedback.due_at == local(2026, 3, 4, 9)
    assert investigator.username in feedback.note


async def test_c8_routing_rules_are_configurable():
    marketing = await f.department(code="MKT2")
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key=rules.ROUTING, value={"network_fault": "MKT2"}, reason="试点", changed_by_id=admin.id
    )

    complaint = await f.complaint(handler, category=Category.NETWORK_FAULT)

    assert complaint.department_id == marketing.id


async def test_c8_a_solution_is_broken_into_owned_tasks_tracked_to_done(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    technician = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    task = await tasks.add_task(
        actor=handler,
        complaint_id=complaint.id,
        kind=TaskKind.REPAIR,
        title="更换基站板卡",
        owner_id=technician.id,
        due_at=local(2026, 3, 5, 18),
    )
    done = await tasks.complete_task(actor=technician, task_id=task.id, note="已更换")

    assert done.done_at is not None and done.done_note == "已更换"
    assert await ComplaintTask.filter(complaint_id=complaint.id).count() == 1
    with pytest.raises(IllegalTransition):
        await tasks.complete_task(actor=technician, task_id=task.id)


async def test_c7_reopening_waives_the_revisit_limits_of_the_first_result(frozen):
    frozen(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id, revisit_window_open=False)

    await service.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可")

    states = {
        d.kind: d.state
        for d in await Deadline.filter(
            complaint_id=complaint.id, kind__in=list(lifecycle.AFTER_RESULT)
        )
    }
    assert set(states.values()) == {DeadlineState.WAIVED}
    assert await deadlines.sweep(at=local(2026, 3, 20, 9)) == 0  # nothing left to miss
