"""C-7 enforced by a real arq worker on the real Redis: jobs, the sweep, and running twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.worker import Worker

from services.complaints.models import ComplaintEvent, Deadline, DeadlineKind, DeadlineState
from services.config import settings
from services.staff.models import Role
from tests import factories as f
from workers.queue import ArqScheduler
from workers.settings import WorkerSettings, enforce_deadline, sweep_deadlines


async def run_worker(redis, *, with_cron: bool = False) -> None:
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=WorkerSettings.cron_jobs if with_cron else None,
        redis_settings=WorkerSettings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()


async def overdue_complaint():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    deadline = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE)
    deadline.due_at = datetime.now(UTC) - timedelta(minutes=5)
    await deadline.save()
    return complaint, deadline


async def test_c7_worker_job_marks_an_unmet_acknowledge_deadline_breached(redis):
    complaint, deadline = await overdue_complaint()
    queue = await ArqScheduler.connect(settings.redis_url)
    await queue.schedule(
        "enforce_deadline",
        key=f"deadline:{deadline.id}",
        run_at=deadline.due_at,
        deadline_id=deadline.id,
    )
    await queue.close()

    await run_worker(redis)

    await deadline.refresh_from_db()
    assert deadline.state == DeadlineState.BREACHED and deadline.breached_at is not None
    events = await ComplaintEvent.filter(complaint_id=complaint.id, action="deadline_breached")
    assert len(events) == 1 and events[0].field == "deadline:acknowledge"


async def test_c7_sweep_finds_a_deadline_whose_job_was_lost(redis):
    complaint, deadline = await overdue_complaint()
    # nothing was queued: Redis lost it, or the API could not reach it

    await run_worker(redis, with_cron=True)

    await deadline.refresh_from_db()
    assert deadline.state == DeadlineState.BREACHED
    assert (
        await ComplaintEvent.filter(complaint_id=complaint.id, action="deadline_breached").count()
        == 1
    )


async def test_c7_running_a_deadline_job_twice_changes_nothing_the_second_time():
    complaint, deadline = await overdue_complaint()

    first = await enforce_deadline({}, deadline.id)
    second = await enforce_deadline({}, deadline.id)
    swept = await sweep_deadlines({})

    assert (first, second, swept) == (True, False, 0)
    assert (
        await ComplaintEvent.filter(complaint_id=complaint.id, action="deadline_breached").count()
        == 1
    )


async def test_c7_a_deadline_not_yet_due_or_already_met_is_left_alone():
    handler = await f.staff(Role.HANDLER)
    pending = await f.complaint(handler)
    met, met_deadline = await overdue_complaint()
    from services.complaints import service

    await service.acknowledge(actor=await met.owner, complaint_id=met.id)
    future = await Deadline.get(complaint_id=pending.id, kind=DeadlineKind.ACKNOWLEDGE)

    assert await enforce_deadline({}, future.id) is False
    assert await enforce_deadline({}, met_deadline.id) is False
    await met_deadline.refresh_from_db()
    # acknowledged five minutes after it was due, before the worker came round: met late (C-7)
    assert met_deadline.state == DeadlineState.MET_LATE


async def test_a1_the_worker_audits_every_refund_until_it_settles_with_one_check_row():
    from services.audit.models import AuditCheck, AuditFinding
    from workers.settings import audit_executed_refunds

    handler = await f.staff(Role.HANDLER)
    executed = await f.executed_refund(handler, await f.refund(handler))

    first = await audit_executed_refunds({})
    second = await audit_executed_refunds({})  # refund first, not verified yet: checked again

    assert (first, second) == (1, 1)
    assert await AuditCheck.filter(refund_id=executed.id).count() == 1
    assert not await AuditFinding.filter(refund_id=executed.id).exists()
