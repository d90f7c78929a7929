"""C-4 key correction (issue 13): batch, repeat and supervision re-run for the OLD and the NEW
matter; marks are added and withdrawn with history; the locks are taken in one order."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services import clock
from services.complaints import matters, service, supervision, urgency
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    SupervisedMatter,
    UrgencyReason,
)
from services.errors import ErrorCode, InvalidInput
from services.staff.models import Role, Track
from tests import factories as f
from tests.services.complaints.concurrency import (
    ROW_LOCKS,
    Pause,
    lock_waiters,
    per_task_clock,
    run_as,
    until_blocked,
)
from tests.services.complaints.test_lifecycle import walk_to_resolved

SH = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 3, 2, 10, tzinfo=SH)
OTHER = dict(service_code="DATA-PACK")  # another matter than the factory's default


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


async def marked(reason: UrgencyReason) -> set[int]:
    return set(await ComplaintUrgency.filter(reason=reason).values_list("complaint_id", flat=True))


async def test_c4_correcting_an_earlier_complaint_into_a_matter_of_ten_customers_marks_all_11(
    monkeypatch,
):
    """The earlier complaint (09:55) is corrected into a matter with ten customers at
    10:00-10:09: 11 customers within 60 minutes. Looking back from 09:55 finds one."""
    handler = await f.staff(Role.HANDLER)
    at(monkeypatch, BASE - timedelta(minutes=5))
    earlier = await f.complaint(handler, **OTHER)
    ten = []
    for i in range(10):
        at(monkeypatch, BASE + timedelta(minutes=i))
        ten.append((await f.complaint(handler)).id)
    assert await marked(UrgencyReason.BATCH) == set()

    corrected = await matters.correct_matter_key(
        actor=handler,
        complaint_id=earlier.id,
        matter_key=(await Complaint.get(id=ten[0])).matter_key,
        reason="同一故障",
    )

    assert await marked(UrgencyReason.BATCH) == {earlier.id, *ten}
    assert corrected.warning_colour == "yellow"  # a group dispute now (C-5)
    added = await ComplaintEvent.get(complaint_id=ten[3], action="urgency_added")
    assert added.to_value == "batch" and "11 customers" in added.reason


async def test_c4_moving_a_complaint_out_withdraws_the_marks_it_carried_with_history(monkeypatch):
    handler = await f.staff(Role.HANDLER)
    ids = []
    for i in range(11):
        at(monkeypatch, BASE + timedelta(minutes=i))
        ids.append((await f.complaint(handler)).id)
    assert await marked(UrgencyReason.BATCH) == set(ids)

    await matters.correct_matter_key(
        actor=handler, complaint_id=ids[5], matter_key="other|-|广东/广州|-", reason="误归"
    )

    assert await marked(UrgencyReason.BATCH) == set()  # ten customers left: no batch
    withdrawn = await ComplaintEvent.get(complaint_id=ids[0], action="urgency_removed")
    assert withdrawn.from_value == "batch"
    assert "no 60-minute window" in withdrawn.reason and "left the matter" in withdrawn.reason
    assert (await Complaint.get(id=ids[0])).warning_colour == "blue"


async def test_c4_a_kept_mark_shows_the_window_without_the_complaint_that_left(monkeypatch):
    handler = await f.staff(Role.HANDLER)
    ids = []
    for i in range(12):
        at(monkeypatch, BASE + timedelta(minutes=i))
        ids.append((await f.complaint(handler)).id)

    await matters.correct_matter_key(
        actor=handler, complaint_id=ids[0], matter_key="other|-|广东/广州|-", reason="误归"
    )

    assert await marked(UrgencyReason.BATCH) == set(ids[1:])
    evidence = (
        await ComplaintUrgency.get(complaint_id=ids[1], reason=UrgencyReason.BATCH)
    ).evidence
    assert evidence["complaint_ids"] == ids[1:] and evidence["customers"] == 11


async def test_c4_repeat_marks_rerun_for_the_customer_on_both_matters():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    earlier = await f.complaint(handler, customer)
    await walk_to_resolved(handler, earlier.id)
    await service.record_revisit(actor=handler, complaint_id=earlier.id, satisfied=True)
    await service.archive(actor=handler, complaint_id=earlier.id)
    again = await f.complaint(handler, customer, **OTHER)
    assert UrgencyReason.REPEAT not in await _reasons(again.id)

    await matters.correct_matter_key(
        actor=handler, complaint_id=again.id, matter_key=earlier.matter_key, reason="同一问题"
    )
    repeat = await ComplaintUrgency.get(complaint_id=again.id, reason=UrgencyReason.REPEAT)
    assert repeat.evidence["earlier_complaint_id"] == earlier.id

    # the archived complaint itself moves away: the later one is a repeat of nothing now
    await matters.correct_matter_key(
        actor=handler, complaint_id=earlier.id, matter_key="other|-|广东/广州|-", reason="误归"
    )
    assert UrgencyReason.REPEAT not in await _reasons(again.id)
    removed = await ComplaintEvent.get(complaint_id=again.id, action="urgency_removed")
    assert removed.from_value == "repeat" and "matter key corrected" in removed.reason


async def test_c4_key_correction_reruns_supervision_on_both_matters():
    handler = await f.staff(Role.HANDLER)
    await f.staff(Role.SUPERVISOR, track=Track.SERVICE_CENTRE)  # someone to own it
    customer = await f.customer()
    chain = await _repeat_chain(handler, customer, 2)
    third = await f.complaint(handler, customer, **OTHER)
    key = (await Complaint.get(id=chain[0])).matter_key
    assert not await SupervisedMatter.exists()

    await matters.correct_matter_key(
        actor=handler, complaint_id=third.id, matter_key=key, reason="同一问题"
    )
    period = await SupervisedMatter.get(matter_key=key)
    assert period.ended_at is None and period.complaints_at_flag == 3

    await matters.correct_matter_key(
        actor=handler, complaint_id=third.id, matter_key="other|-|广东/广州|-", reason="误归"
    )
    period = await SupervisedMatter.get(matter_key=key)
    assert period.ended_at is not None and "key was corrected" in period.end_reason
    assert await supervision.open_period(key) is None


async def test_c4_rejects_a_blank_or_overlong_key_with_a_typed_error_and_changes_nothing():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    with pytest.raises(InvalidInput) as blank:
        await matters.correct_matter_key(
            actor=handler, complaint_id=complaint.id, matter_key=" ", reason="x"
        )
    with pytest.raises(InvalidInput) as long:
        await matters.correct_matter_key(
            actor=handler, complaint_id=complaint.id, matter_key="k" * 201, reason="x"
        )
    assert (blank.value.code, long.value.code) == (ErrorCode.REQUIRED, ErrorCode.INVALID_INPUT)
    assert (await Complaint.get(id=complaint.id)).matter_key == complaint.matter_key
    assert not await ComplaintEvent.exists(action="correct_matter_key")


async def test_c4_a_correction_and_a_concurrent_intake_take_turns_and_see_each_other(monkeypatch):
    """The correction (09:55 complaint into the matter of nine customers) holds both matters'
    locks and is paused before committing; an intake of the new matter starts and blocks on
    the matter lock (not on a row, not in a deadlock); the correction commits, the intake then
    sees 11 customers and marks every one, the corrected earlier complaint included."""
    handler = await f.staff(Role.HANDLER)
    at(monkeypatch, BASE - timedelta(minutes=5))
    earlier = await f.complaint(handler, **OTHER)
    nine = []
    for i in range(9):
        at(monkeypatch, BASE + timedelta(minutes=i))
        nine.append((await f.complaint(handler)).id)
    key = (await Complaint.get(id=nine[0])).matter_key
    newcomer = await f.customer()
    monkeypatch.undo()
    per_task_clock(monkeypatch)
    hold = Pause("correction")
    hold.wrap(monkeypatch, urgency, "refresh_classification", after=False)

    correction = run_as(
        "correction",
        BASE + timedelta(minutes=20),
        lambda: matters.correct_matter_key(
            actor=handler, complaint_id=earlier.id, matter_key=key, reason="同一故障"
        ),
    )
    await hold.reached.wait()
    intake = run_as("intake", BASE + timedelta(minutes=20), lambda: f.complaint(handler, newcomer))
    await until_blocked(intake)
    hold.release.set()
    corrected, taken = await asyncio.wait_for(asyncio.gather(correction, intake), 60)

    assert corrected.matter_key == key == taken.matter_key
    assert await marked(UrgencyReason.BATCH) == {earlier.id, *nine, taken.id}


async def test_c4_a_correction_waits_for_the_matter_lock_before_any_row_lock(monkeypatch):
    """An intake of the customer's complaint on the OLD matter holds that matter's lock and
    the customer's complaint rows (its C-5 refresh), paused before committing. The correction
    of the customer's earlier complaint waits on the matter lock (lock order rule 1) and holds
    no row the intake could need; the intake commits, then the correction runs."""
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    earlier = await f.complaint(handler, customer)
    per_task_clock(monkeypatch)
    hold = Pause("intake")
    hold.wrap(monkeypatch, urgency, "after_intake")  # rows of the customer locked by now

    intake = run_as("intake", clock.now(), lambda: f.complaint(handler, customer))
    await hold.reached.wait()
    correction = run_as(
        "correction",
        clock.now(),
        lambda: matters.correct_matter_key(
            actor=handler, complaint_id=earlier.id, matter_key="other|-|广东/广州|-", reason="误归"
        ),
    )
    await until_blocked(correction)

    assert await lock_waiters("advisory") == 1 and await lock_waiters(*ROW_LOCKS) == 0
    hold.release.set()
    taken, corrected = await asyncio.wait_for(asyncio.gather(intake, correction), 60)
    assert corrected.matter_key == "other|-|广东/广州|-" and taken.matter_key == earlier.matter_key
    # the intake saw the earlier complaint unresolved on its matter: both yellow (C-5)
    assert (await Complaint.get(id=taken.id)).warning_colour == "yellow"


async def _reasons(complaint_id: int) -> set[str]:
    return set(
        await ComplaintUrgency.filter(complaint_id=complaint_id).values_list("reason", flat=True)
    )


async def _repeat_chain(handler, customer, n: int) -> list[int]:
    """n complaints of one customer on one matter, each archived before the next is taken."""
    ids = []
    for _ in range(n):
        complaint = await f.complaint(handler, customer)
        await walk_to_resolved(handler, complaint.id)
        await service.record_revisit(actor=handler, complaint_id=complaint.id, satisfied=True)
        await service.archive(actor=handler, complaint_id=complaint.id)
        ids.append(complaint.id)
    return ids
