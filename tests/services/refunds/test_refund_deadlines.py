"""R-13 enforced like C-7: a refund's missed time limit is breached once by the job at its due
time or the minute sweep, the complaint's owner and the approver are told once, and a step
taken after its due time is recorded MET_LATE."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from graphql_schema.ids import global_id
from services import clock
from services.complaints.models import Notification
from services.refunds import approvals, enforcement, execution
from services.refunds.changes import Verification, cancel_refund, verify_refund
from services.refunds.deadline_models import (
    RefundDeadline,
    RefundDeadlineKind,
    RefundDeadlineState,
)
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.refunds.policy import Liability, RefundMethod
from services.staff.models import Role, Staff
from tests import factories as f
from tests.graphql_schema.conftest import gql  # noqa: F401  (a fixture)
from tests.services.refunds.worker_runs import run_worker

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=SH)


async def verify_first_refund(handler: Staff):
    """A goodwill refund of 250 yuan, verify first (R-8), band 2: due Friday 13 March 10:00."""
    customer = await f.customer()  # normal credit: no R-7(c)
    await f.refund(handler, await f.complaint(handler, customer))  # no longer R-7(d)'s first
    refund = await f.refund(
        handler, await f.complaint(handler, customer), f.goodwill_request(25000)
    )
    assert (refund.status, refund.band) == (RefundStatus.VERIFYING, 2)
    return refund


async def told(refund_id: int, deadline: RefundDeadline) -> list[int]:
    rows = await Notification.filter(key=f"refund_deadline:{deadline.id}").order_by("recipient_id")
    return [n.recipient_id for n in rows]


async def test_r13_an_unverified_refund_is_breached_once_and_the_owner_and_approver_told():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    approver = await f.approver(2)
    refund = await verify_first_refund(handler)
    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.VERIFY)
    assert deadline.due_at == datetime(2026, 3, 13, 10, 0, tzinfo=SH)

    clock.freeze(datetime(2026, 3, 13, 9, 59, tzinfo=SH))
    early = await enforcement.enforce_deadline(deadline.id, at=clock.now())
    clock.freeze(datetime(2026, 3, 13, 10, 1, tzinfo=SH))
    by_job = await enforcement.enforce_deadline(deadline.id, at=clock.now())
    by_sweep = await enforcement.sweep(at=clock.now())
    again = await enforcement.enforce_deadline(deadline.id, at=clock.now())

    assert (early, by_job, by_sweep, again) == (0, 1, 0, 0)
    await deadline.refresh_from_db()
    assert deadline.state is RefundDeadlineState.BREACHED
    assert deadline.breached_at == clock.now()
    assert await told(refund.id, deadline) == sorted([handler.id, approver.id])
    history = await RefundEvent.filter(refund_id=refund.id, action="deadline_breached")
    assert len(history) == 1 and history[0].data["kind"] == "verify"


async def test_r13_verified_after_a_breach_is_met_late_and_told_only_once():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)
    clock.freeze(datetime(2026, 3, 16, 9, 0, tzinfo=SH))  # Monday: three days over
    assert await enforcement.sweep(at=clock.now()) == 1

    await verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=Verification(
            cause="核实属实", measures="已整改", refund_due=True, liability=Liability.NOT_LIABLE
        ),
    )

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.VERIFY)
    assert deadline.state is RefundDeadlineState.MET_LATE
    assert (deadline.breached_at, deadline.met_at) == (
        datetime(2026, 3, 16, 9, 0, tzinfo=SH),
        clock.now(),
    )
    assert await told(refund.id, deadline) == [handler.id]


async def test_r13_executed_after_48_hours_is_met_late_even_before_the_sweep_ran():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))
    await execution.confirm_amount(actor=handler, refund_id=refund.id)  # band 0, refund first
    clock.freeze(TUESDAY + timedelta(hours=49))

    await execution.execute(actor=handler, refund_id=refund.id)

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.EXECUTE)
    assert deadline.state is RefundDeadlineState.MET_LATE
    assert (deadline.due_at, deadline.met_at) == (TUESDAY + timedelta(hours=48), clock.now())
    assert deadline.breached_at is None
    assert await told(refund.id, deadline) == [handler.id]  # band 0: no approver
    late = await RefundEvent.get(refund_id=refund.id, action="deadline_met_late")
    assert late.data["kind"] == "execute"
    assert await enforcement.sweep(at=clock.now()) == 0


async def test_r13_executed_in_time_is_met_and_nobody_is_told():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))
    await execution.confirm_amount(actor=handler, refund_id=refund.id)
    clock.freeze(TUESDAY + timedelta(hours=47))

    await execution.execute(actor=handler, refund_id=refund.id)
    clock.freeze(TUESDAY + timedelta(days=5))

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.EXECUTE)
    assert deadline.state is RefundDeadlineState.MET
    assert await enforcement.sweep(at=clock.now()) == 0
    assert not await Notification.filter(kind="refund_deadline_breached").exists()


async def test_r13_a_cancelled_refund_is_not_breached():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)
    await cancel_refund(actor=handler, refund_id=refund.id, reason="客户撤回")
    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.VERIFY)
    assert deadline.state is RefundDeadlineState.WAIVED  # at once, not at its due time
    clock.freeze(datetime(2026, 3, 20, 10, 0, tzinfo=SH))

    assert await enforcement.enforce_deadline(deadline.id, at=clock.now()) == 0
    assert await enforcement.sweep(at=clock.now()) == 0
    await deadline.refresh_from_db()
    assert deadline.state is RefundDeadlineState.WAIVED
    assert not await Notification.filter(kind="refund_deadline_breached").exists()


async def test_r13_the_sweep_finds_a_missed_limit_no_row_was_written_for():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    approver = await f.approver(2)
    refund = await verify_first_refund(handler)
    await RefundDeadline.filter(refund_id=refund.id).delete()  # written before R-13 was enforced
    clock.freeze(datetime(2026, 3, 13, 10, 1, tzinfo=SH))

    assert (await enforcement.sweep(at=clock.now()), await enforcement.sweep(at=clock.now())) == (
        1,
        0,
    )

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.VERIFY)
    assert deadline.state is RefundDeadlineState.BREACHED
    assert await told(refund.id, deadline) == sorted([handler.id, approver.id])


async def test_r13_after_approval_the_approver_who_approved_is_told():
    clock.freeze(TUESDAY)
    handler = await f.staff(Role.HANDLER)
    deciding, other = await f.approver(1), await f.approver(1)
    refund = await f.refund(handler, request=f.goodwill_request(5000))  # band 1, refund first
    await approvals.approve(actor=deciding, refund_id=refund.id)
    await execution.confirm_amount(actor=handler, refund_id=refund.id)
    clock.freeze(TUESDAY + timedelta(hours=48, minutes=1))

    assert await enforcement.sweep(at=clock.now()) == 1

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.EXECUTE)
    assert await told(refund.id, deadline) == sorted([handler.id, deciding.id])
    assert other.id not in await told(refund.id, deadline)


async def test_r13_the_worker_breaches_a_refund_limit_whose_job_was_lost(wall_clock, redis):
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)
    await RefundDeadline.filter(refund_id=refund.id).delete()  # no row, no job: only the sweep
    await Refund.filter(id=refund.id).update(verify_due_at=clock.now() - timedelta(minutes=5))
    await run_worker(with_cron=True)

    deadline = await RefundDeadline.get(refund_id=refund.id, kind=RefundDeadlineKind.VERIFY)
    assert deadline.state is RefundDeadlineState.BREACHED
    assert await told(refund.id, deadline) == [handler.id]


QUEUE = """query($f: RefundFilterInput) { refunds(filter: $f) { totalCount
    edges { node { id dueStep dueAt overdue } } } }"""


async def test_r13_overdue_refunds_show_in_the_handlers_and_the_approvers_queue(gql):  # noqa: F811
    clock.freeze(TUESDAY)
    handler, colleague = await f.staff(Role.HANDLER), await f.staff(Role.HANDLER)
    approver = await f.approver(1)
    late_verify = await verify_first_refund(handler)  # due Friday 13 March 10:00
    adjustment = await f.refund(  # refund first, band 1: the bill adjustment agreed in 3 days
        handler, request=f.goodwill_request(5000, method=RefundMethod.BILL_ADJUSTMENT)
    )
    assert adjustment.agree_due_at == datetime(2026, 3, 13, 10, 0, tzinfo=SH)
    on_time = await f.refund(handler, request=f.goodwill_request(6000))  # no limit runs yet
    clock.freeze(datetime(2026, 3, 13, 10, 1, tzinfo=SH))

    mine = await gql.data(QUEUE, {"f": {"mine": True, "overdue": True}}, as_=handler)
    theirs = await gql.data(QUEUE, {"f": {"mine": True, "overdue": True}}, as_=colleague)
    approving = await gql.data(
        QUEUE, {"f": {"awaitingMyApproval": True, "overdue": True}}, as_=approver
    )
    not_late = await gql.data(QUEUE, {"f": {"mine": True, "overdue": False}}, as_=handler)

    nodes = {e["node"]["id"]: e["node"] for e in mine["refunds"]["edges"]}
    assert set(nodes) == {global_id("Refund", late_verify.id), global_id("Refund", adjustment.id)}
    assert nodes[global_id("Refund", late_verify.id)] == {
        "id": global_id("Refund", late_verify.id),
        "dueStep": "VERIFY",
        "dueAt": "2026-03-13T02:00:00+00:00",
        "overdue": True,
    }
    assert nodes[global_id("Refund", adjustment.id)]["dueStep"] == "AGREE"
    assert theirs["refunds"]["totalCount"] == 0
    assert [e["node"]["id"] for e in approving["refunds"]["edges"]] == [
        global_id("Refund", adjustment.id)
    ]
    late = {global_id("Refund", late_verify.id), global_id("Refund", adjustment.id)}
    assert global_id("Refund", on_time.id) in {
        e["node"]["id"] for e in not_late["refunds"]["edges"]
    }
    assert not late & {e["node"]["id"] for e in not_late["refunds"]["edges"]}
