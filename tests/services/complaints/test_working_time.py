"""C-7 where time meets the rules: a paused clock credits working time, a late step is a miss,
and a deadline counted on a provisional year is counted again when the year is confirmed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services import clock
from services.audit import calendar_changes
from services.calendar.models import CalendarYear
from services.complaints import deadlines, service, timekeeping
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Notification,
    WarningColour,
)
from services.customers.models import Tier
from services.staff.models import Role
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


async def deadline_of(complaint_id: int, kind: DeadlineKind) -> Deadline:
    return await Deadline.filter(complaint_id=complaint_id, kind=kind).order_by("-id").first()


async def paused_promise(*, made: datetime, due: datetime, pause: datetime, resume: datetime):
    """A complaint with a promise due at `due`, its clock paused from `pause` to `resume`."""
    clock.freeze(made)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    promise = await timekeeping.record_promise(
        actor=handler, complaint_id=complaint.id, promise="48 小时内答复", due_at=due
    )
    clock.freeze(pause)
    await timekeeping.pause_clock(actor=handler, complaint_id=complaint.id, reason="等客户材料")
    clock.freeze(resume)
    await timekeeping.resume_clock(actor=handler, complaint_id=complaint.id)
    await promise.refresh_from_db()
    return complaint, promise


async def test_c7_a_monday_to_wednesday_pause_moves_a_friday_deadline_to_the_next_tuesday():
    # two working days waited (Mon 9 → Wed 11 March 2026): Fri 13 → Mon 16 → Tue 17
    complaint, promise = await paused_promise(
        made=local(2026, 3, 6, 10),
        due=local(2026, 3, 13, 10),
        pause=local(2026, 3, 9, 10),
        resume=local(2026, 3, 11, 10),
    )

    assert promise.due_at == local(2026, 3, 17, 10)
    assert promise.credited_days == 2.0
    resumed = await ComplaintEvent.get(complaint_id=complaint.id, action="clock_resumed")
    assert "2.00 working days" in resumed.reason


async def test_c7_a_pause_over_national_day_credits_only_the_working_time_waited():
    # Wed 30 Sep → Thu 8 Oct 2026 waits eight calendar days but one working day (1-7 Oct off);
    # the Friday 9 Oct deadline moves to Saturday 10 Oct, an adjusted working day (调休)
    _, promise = await paused_promise(
        made=local(2026, 9, 28, 10),
        due=local(2026, 10, 9, 10),
        pause=local(2026, 9, 30, 10),
        resume=local(2026, 10, 8, 10),
    )

    assert promise.due_at == local(2026, 10, 10, 10)
    assert promise.credited_days == 1.0


async def test_c7_a_pause_over_a_weekend_credits_the_friday_and_monday_hours_only():
    # Fri 13 March 16:00 → Mon 16 March 10:00: 8 hours of Friday + 10 of Monday = 0.75 day
    _, promise = await paused_promise(
        made=local(2026, 3, 12, 10),
        due=local(2026, 3, 17, 10),
        pause=local(2026, 3, 13, 16),
        resume=local(2026, 3, 16, 10),
    )

    assert promise.credited_days == 0.75
    assert promise.due_at == local(2026, 3, 18, 4)  # Tue 10:00 + 18 working hours


async def test_c7_a_pause_inside_national_day_moves_nothing():
    # Fri 2 → Tue 6 Oct 2026, all of it the National Day holiday: no working time waited
    complaint, promise = await paused_promise(
        made=local(2026, 9, 28, 10),
        due=local(2026, 10, 9, 10),
        pause=local(2026, 10, 2, 10),
        resume=local(2026, 10, 6, 10),
    )

    assert (promise.due_at, promise.credited_days) == (local(2026, 10, 9, 10), 0.0)
    resumed = await ComplaintEvent.get(complaint_id=complaint.id, action="clock_resumed")
    assert "0.00 working days" in resumed.reason


async def test_c7_a_step_taken_after_its_deadline_is_met_late_and_raises_the_colour():
    clock.freeze(local(2026, 3, 10, 10))  # Tuesday: acknowledge due Wednesday 10:00
    dept = await f.department()
    head = await f.staff(Role.SUPERVISOR, dept=dept, head=True)
    handler = await f.staff(Role.HANDLER, dept=dept)
    complaint = await f.complaint(handler)

    clock.freeze(local(2026, 3, 12, 9))  # Thursday: the worker never ran
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    ack = await deadline_of(complaint.id, DeadlineKind.ACKNOWLEDGE)
    assert ack.state == DeadlineState.MET_LATE
    assert (ack.due_at, ack.met_at, ack.breached_at) == (
        local(2026, 3, 11, 10),
        local(2026, 3, 12, 9),
        None,
    )
    saved = await Complaint.get(id=complaint.id)
    assert saved.warning_colour == WarningColour.YELLOW
    late = await ComplaintEvent.get(complaint_id=complaint.id, action="deadline_met_late")
    assert "met 2026-03-12T01:00:00+00:00" in late.reason
    told = await Notification.filter(kind="deadline_breached").values_list(
        "recipient_id", flat=True
    )
    assert set(told) == {handler.id, head.id}
    # the next step does not undo the colour of a missed deadline (C-5)
    await service.start_investigation(actor=handler, complaint_id=complaint.id)
    assert (await Complaint.get(id=complaint.id)).warning_colour == WarningColour.YELLOW


async def test_c7_the_colour_raised_by_a_late_step_says_why_in_the_history():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    # an important customer: the complaint has an urgency row of its own (C-5)
    complaint = await f.complaint(handler, await f.customer(tier=Tier.GOLD_AND_ABOVE))

    clock.freeze(local(2026, 3, 12, 9))  # the acknowledge deadline passed the day before
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    raised = await ComplaintEvent.get(
        complaint_id=complaint.id, action="classified", field="warning_colour"
    )
    assert (raised.from_value, raised.to_value) == ("blue", "yellow")
    # the reason the caller gave, not the code of one of the complaint's urgency rows
    assert raised.reason == deadlines.MISSED_COLOUR_REASON


async def test_c7_a_breached_deadline_met_later_is_met_late_and_raises_the_colour_once():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    assert await deadlines.sweep(at=local(2026, 3, 11, 11)) == 1

    clock.freeze(local(2026, 3, 12, 9))
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    ack = await deadline_of(complaint.id, DeadlineKind.ACKNOWLEDGE)
    assert ack.state == DeadlineState.MET_LATE
    assert (ack.breached_at, ack.met_at) == (local(2026, 3, 11, 11), local(2026, 3, 12, 9))
    assert (await Complaint.get(id=complaint.id)).warning_colour == WarningColour.YELLOW
    assert await Notification.filter(kind="deadline_breached").count() == 1


async def test_c7_a_step_in_time_is_met_and_leaves_the_colour():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    clock.freeze(local(2026, 3, 11, 9, 59))
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    assert (await deadline_of(complaint.id, DeadlineKind.ACKNOWLEDGE)).state == DeadlineState.MET
    assert (await Complaint.get(id=complaint.id)).warning_colour == WarningColour.BLUE


async def test_c7_a_complaint_taken_on_31_december_2026_gets_a_provisional_deadline_in_2027():
    clock.freeze(local(2026, 12, 31, 10))  # Thursday; 1 Jan 2027 (Friday) is computed 元旦
    handler = await f.staff(Role.HANDLER)

    complaint = await f.complaint(handler)

    ack = await deadline_of(complaint.id, DeadlineKind.ACKNOWLEDGE)
    assert ack.due_at == local(2027, 1, 4, 10)
    assert ack.provisional and (ack.counted_from, ack.working_days) == (local(2026, 12, 31, 10), 1)
    year = await CalendarYear.get(year=2027)
    assert year.provisional and year.source.startswith("holidays ")


async def test_c7_a_confirmed_year_replaces_a_provisional_one_and_deadlines_are_recounted():
    # 3 Feb 2027: computed, the Spring Festival holiday is 5 and 8-10 Feb (除夕, 春节, 补假);
    # the plan's 3 working days are Thu 4, Thu 11 and Fri 12 February
    clock.freeze(local(2027, 2, 3, 10))
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    complaint = await f.complaint(handler)
    plan = await deadline_of(complaint.id, DeadlineKind.INITIAL_PLAN)
    assert (plan.due_at, plan.provisional) == (local(2027, 2, 12, 10), True)

    # the State Council announces 5-12 Feb off, with Sunday 14 and Saturday 20 Feb worked
    await calendar_changes.save_year(
        actor=admin,
        year=2027,
        holidays=[(date(2027, 1, 1), "元旦")]
        + [(date(2027, 2, d), "春节") for d in (5, 8, 9, 10, 11, 12)],
        workdays=[(date(2027, 2, 14), "春节调休"), (date(2027, 2, 20), "春节调休")],
        replace=False,
        reason="国务院办公厅通知",
    )

    await plan.refresh_from_db()
    assert (plan.due_at, plan.provisional) == (
        local(2027, 2, 15, 10),
        False,
    )  # Thu 4, Sun 14, Mon 15
    assert not (await CalendarYear.get(year=2027)).provisional
    moved = await ComplaintEvent.get(complaint_id=complaint.id, action="deadline_recomputed")
    assert (moved.field, moved.actor_id) == ("deadline:initial_plan", admin.id)
    assert datetime.fromisoformat(moved.from_value) == local(2027, 2, 12, 10)
    assert datetime.fromisoformat(moved.to_value) == local(2027, 2, 15, 10)
    ack = await deadline_of(complaint.id, DeadlineKind.ACKNOWLEDGE)
    assert (ack.due_at, ack.provisional) == (local(2027, 2, 4, 10), False)  # unchanged, confirmed
    assert await ComplaintEvent.filter(action="deadline_recomputed").count() == 1


async def handed_over_after_the_plan():
    """A complaint whose plan is made and which is then handed to another department's
    handler (C-8): that handler and the complaint."""
    clock.freeze(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    other = await f.staff(Role.HANDLER, dept=await f.department())
    complaint = await f.complaint(handler)
    await service.acknowledge(actor=handler, complaint_id=complaint.id)
    await service.start_investigation(actor=handler, complaint_id=complaint.id)
    await service.propose_plan(actor=handler, complaint_id=complaint.id, plan="退费")
    await service.start_resolution(actor=handler, complaint_id=complaint.id)
    await service.assign(
        actor=handler, complaint_id=complaint.id, owner_id=other.id, reason="网络部处理"
    )
    return other, complaint


async def test_c8_a_handover_after_the_plan_is_met_by_carrying_the_complaint_forward():
    other, complaint = await handed_over_after_the_plan()

    await service.resolve(
        actor=other, complaint_id=complaint.id, cause="c", solution="s", prevention="p"
    )

    feedback = await deadline_of(complaint.id, DeadlineKind.DEPARTMENT_FEEDBACK)
    assert feedback.state == DeadlineState.MET


async def test_c7_archiving_waives_every_pending_deadline_so_none_is_breached_later():
    clock.freeze(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await service.acknowledge(actor=handler, complaint_id=complaint.id)
    await service.start_investigation(actor=handler, complaint_id=complaint.id)
    await service.propose_plan(actor=handler, complaint_id=complaint.id, plan="退费")
    await timekeeping.record_promise(
        actor=handler,
        complaint_id=complaint.id,
        promise="一个月内回访",
        due_at=local(2026, 4, 1, 9),
    )
    await service.start_resolution(actor=handler, complaint_id=complaint.id)
    await service.resolve(
        actor=handler, complaint_id=complaint.id, cause="c", solution="s", prevention="p"
    )
    clock.freeze(local(2026, 3, 9, 9))  # the revisit window is open
    await service.record_revisit(actor=handler, complaint_id=complaint.id, satisfied=True)

    await service.archive(actor=handler, complaint_id=complaint.id)

    assert await deadlines.sweep(at=local(2026, 5, 1, 9)) == 0
    left = await Deadline.filter(complaint_id=complaint.id, state=DeadlineState.PENDING).count()
    assert left == 0
    promise = await deadline_of(complaint.id, DeadlineKind.PROMISE)
    assert promise.state == DeadlineState.WAIVED
    assert await ComplaintEvent.exists(complaint_id=complaint.id, action="deadlines_waived")


# Inverted reproductions (/work/shared/repro/test_defects.py): each failed before issue 10.


async def test_c7_intake_goes_on_from_29_december_2026_into_a_provisional_2027():
    """Was test_demo_intake_fails_from_29_december_2026 (CalendarYearMissing)."""
    handler = await f.staff(Role.HANDLER)
    clock.freeze(local(2026, 12, 28, 10))
    before = await f.complaint(handler)
    clock.freeze(local(2026, 12, 29, 10))  # Tuesday: the plan's 3 working days reach 2027

    after = await f.complaint(handler)

    plan = await deadline_of(after.id, DeadlineKind.INITIAL_PLAN)
    assert (plan.due_at, plan.provisional) == (local(2027, 1, 4, 10), True)  # 30, 31 Dec, 4 Jan
    ack = await deadline_of(after.id, DeadlineKind.ACKNOWLEDGE)
    assert (ack.due_at, ack.provisional) == (local(2026, 12, 30, 10), False)
    earlier = await deadline_of(before.id, DeadlineKind.INITIAL_PLAN)
    assert (earlier.due_at, earlier.provisional) == (local(2026, 12, 31, 10), False)


async def test_c7_a_breach_colour_is_not_lowered_by_the_next_step():
    """Was test_demo_breach_colour_is_lowered_by_the_next_step."""
    clock.freeze(local(2026, 3, 2, 9))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    assert await deadlines.sweep(at=local(2026, 3, 3, 10)) == 1
    assert (await Complaint.get(id=complaint.id)).warning_colour == WarningColour.YELLOW

    clock.freeze(local(2026, 3, 3, 11))
    after = await service.acknowledge(actor=handler, complaint_id=complaint.id)  # late

    assert after.warning_colour == WarningColour.YELLOW
    assert (await Complaint.get(id=complaint.id)).warning_colour == WarningColour.YELLOW
    lowered = ComplaintEvent.filter(
        complaint_id=complaint.id, field="warning_colour", from_value="yellow", to_value="blue"
    )
    assert not await lowered.exists()


async def test_c8_a_handover_after_the_plan_leaves_no_deadline_to_breach_once_archived():
    """Was test_demo_handover_after_the_plan_creates_a_deadline_nothing_can_meet."""
    other, complaint = await handed_over_after_the_plan()
    await service.resolve(
        actor=other, complaint_id=complaint.id, cause="c", solution="s", prevention="p"
    )
    clock.freeze(local(2026, 3, 9, 9))  # the revisit window is open
    await service.record_revisit(actor=other, complaint_id=complaint.id, satisfied=True)
    await service.archive(actor=other, complaint_id=complaint.id)

    assert await deadlines.sweep(at=local(2026, 3, 20, 9)) == 0

    feedback = await deadline_of(complaint.id, DeadlineKind.DEPARTMENT_FEEDBACK)
    assert feedback.state == DeadlineState.MET
    breached = Deadline.filter(complaint_id=complaint.id, state=DeadlineState.BREACHED)
    assert not await breached.exists()
    assert (await Complaint.get(id=complaint.id)).status == "archived"
