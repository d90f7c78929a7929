"""C-3 batch over EVERY window of the configured length that contains a complaint (issue 13):
windows after it count as well as those before it, whatever order the complaints commit in."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services import clock
from services.complaints import policy, rules, urgency
from services.complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    UrgencyReason,
)
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.complaints.concurrency import Pause, per_task_clock, run_as, until_blocked

SH = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 3, 2, 10, tzinfo=SH)


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


async def batch_members() -> set[int]:
    return set(
        await ComplaintUrgency.filter(reason=UrgencyReason.BATCH).values_list(
            "complaint_id", flat=True
        )
    )


async def complaints_at(monkeypatch, handler, moments: list[datetime]) -> list[int]:
    ids = []
    for moment in moments:
        at(monkeypatch, moment)
        ids.append((await f.complaint(handler)).id)
    return ids


async def test_c3_a_complaint_stamped_before_the_others_still_completes_the_batch(monkeypatch):
    """The repro's case, one after the other: B stamped 10:30:02 is taken first, A stamped
    10:30:01 second. Looking back from A (09:30:01-10:30:01) finds 10 customers; the window
    10:00-11:00 holds all 11."""
    handler = await f.staff(Role.HANDLER)
    nine = await complaints_at(
        monkeypatch, handler, [BASE + timedelta(minutes=i) for i in range(9)]
    )
    b, a = await complaints_at(
        monkeypatch, handler, [BASE + timedelta(minutes=30, seconds=s) for s in (2, 1)]
    )
    assert a > b

    assert await batch_members() == {*nine, a, b}
    evidence = (
        await ComplaintUrgency.get(complaint_id=nine[0], reason=UrgencyReason.BATCH)
    ).evidence
    assert evidence["customers"] == 11 and evidence["complaint_ids"] == sorted([*nine, a, b])
    assert datetime.fromisoformat(evidence["window_start"]) == BASE


async def test_c3_the_window_after_a_complaint_counts_too(monkeypatch):
    """Ten customers complain 10:01-10:10 and are no batch; a complaint stamped 09:59 (taken
    later, e.g. a clock a little behind) makes 11 customers within 60 minutes of it."""
    handler = await f.staff(Role.HANDLER)
    ten = await complaints_at(
        monkeypatch, handler, [BASE + timedelta(minutes=1 + i) for i in range(10)]
    )
    assert await batch_members() == set()

    [early] = await complaints_at(monkeypatch, handler, [BASE - timedelta(minutes=1)])

    assert await batch_members() == {*ten, early}
    added = await ComplaintEvent.get(complaint_id=ten[-1], action="urgency_added", to_value="batch")
    assert added.reason == "batch: 11 customers (more than 10) within 60 minutes"


async def test_c3_complaints_more_than_a_window_apart_are_not_one_batch(monkeypatch):
    handler = await f.staff(Role.HANDLER)
    # six at 10:00, six at 11:01: every 60-minute window holds six customers at most
    await complaints_at(monkeypatch, handler, [BASE] * 6 + [BASE + timedelta(minutes=61)] * 6)

    assert await batch_members() == set()


async def test_c3_two_concurrent_intakes_committing_against_timestamp_order_find_the_batch(
    monkeypatch,
):
    """Two API servers with clocks a second apart: B (clock 10:30:02) takes the matter lock and
    is held inside its intake; A (clock 10:30:01) starts and blocks on the matter lock; B
    commits, then A stamps 10:30:01 under the lock and commits. Commit order B, A; timestamp
    order A, B. The batch of 11 is found and all 11 are marked."""
    handler = await f.staff(Role.HANDLER)
    nine = await complaints_at(
        monkeypatch, handler, [BASE + timedelta(minutes=i) for i in range(9)]
    )
    customers = [await f.customer(), await f.customer()]
    monkeypatch.undo()  # back to the suite's pinned clock, then one clock per task
    per_task_clock(monkeypatch)
    hold_b = Pause("B")
    hold_b.wrap(monkeypatch, urgency, "after_intake")  # B holds the lock, not committed

    b = run_as(
        "B", BASE + timedelta(minutes=30, seconds=2), lambda: f.complaint(handler, customers[0])
    )
    await hold_b.reached.wait()
    a = run_as(
        "A", BASE + timedelta(minutes=30, seconds=1), lambda: f.complaint(handler, customers[1])
    )
    await until_blocked(a)  # A waits for the matter lock B holds
    hold_b.release.set()
    b_row, a_row = await asyncio.gather(b, a)

    assert a_row.created_at < b_row.created_at and a_row.id > b_row.id  # committed after B
    assert await batch_members() == {*nine, a_row.id, b_row.id}
    for cid in (a_row.id, b_row.id, nine[0]):
        assert (await Complaint.get(id=cid)).warning_colour == "yellow"  # a group dispute (C-5)


def _arrival(i: int, minute: float, customer: int | None = None, vip: bool = False):
    return urgency.Arrival(
        id=i, at=BASE + timedelta(minutes=minute), customer_id=customer or i, vip=vip
    )


def test_c3_crossing_windows_start_at_each_arrival_and_count_distinct_customers():
    crossed = lambda count: policy.batch_crossed(count, customers_over=2, vip_at_least=2)  # noqa: E731
    line = [
        _arrival(1, 0),
        _arrival(2, 30, customer=1),  # the same customer again: still one
        _arrival(3, 59),
        _arrival(4, 61),
        _arrival(5, 200, vip=True),
        _arrival(6, 230, vip=True),
    ]

    windows = urgency.crossing_windows(line, length=timedelta(minutes=60), crossed=crossed)

    # 10:00-11:00 holds customers 1 and 3 only; 10:30-11:30 holds 1, 3, 4; 13:20-14:20 two VIPs
    assert [(w.ids, w.customers, w.vip_customers) for w in windows] == [
        ((2, 3, 4), 3, 0),
        ((5, 6), 2, 2),
    ]
    assert windows[0].why == "3 customers (more than 2)"
    assert set(urgency.batch_members(windows)) == {2, 3, 4, 5, 6}  # not 1: in no such window


async def test_c3_marks_made_stand_when_an_admin_raises_the_threshold_later(monkeypatch):
    """Intake only adds marks: a batch marked under 10 stays marked when the threshold goes to
    20 and another complaint of the window comes in (only a key correction withdraws, C-4)."""
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    ids = await complaints_at(
        monkeypatch, handler, [BASE + timedelta(minutes=i) for i in range(11)]
    )
    await thresholds.change(
        key=rules.BATCH_CUSTOMERS, value=20, reason="试点", changed_by_id=admin.id
    )

    [late] = await complaints_at(monkeypatch, handler, [BASE + timedelta(minutes=20)])

    assert await batch_members() == set(ids)
    assert not await ComplaintEvent.exists(action="urgency_removed")
    assert late not in await batch_members()


async def test_c5_two_complaints_of_one_customer_taken_at_once_on_different_matters_are_yellow(
    monkeypatch,
):
    """Two intakes of one customer on two matters (two matter locks, no wait between them):
    B is held inside its intake, uncommitted; A must wait for B's customer lock, then count
    B among the customer's unresolved complaints. Before the customer lock both stayed blue,
    each counting only itself."""
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    per_task_clock(monkeypatch)
    hold_b = Pause("B")
    hold_b.wrap(monkeypatch, urgency, "after_intake")

    b = run_as("B", BASE, lambda: f.complaint(handler, customer))
    await hold_b.reached.wait()
    a = run_as(
        "A",
        BASE + timedelta(seconds=1),
        lambda: f.complaint(
            handler,
            customer,
            category=Category.NETWORK_FAULT,
            service_code="DATA-4G",
            summary="没有信号",
        ),
    )
    await until_blocked(a)  # A waits for the customer lock B holds
    hold_b.release.set()
    b_row, a_row = await asyncio.gather(b, a)

    assert a_row.matter_key != b_row.matter_key
    for cid in (a_row.id, b_row.id):
        assert (await Complaint.get(id=cid)).warning_colour == "yellow"  # C-5
