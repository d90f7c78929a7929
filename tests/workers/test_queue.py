"""The job queue (`workers.queue`) on the real Redis: jobs of any age are queued, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.constants import job_key_prefix

from services import scheduling
from services.complaints.models import Deadline, DeadlineKind, DeadlineState
from services.config import settings
from services.staff.models import Role
from tests import factories as f
from workers.queue import GRACE_SECONDS, ArqScheduler, expires_in
from workers.resilient import Worker
from workers.settings import WorkerSettings


def test_a_queued_job_lives_until_its_run_time_and_a_day_more_however_late_it_is():
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    future = expires_in(now + timedelta(hours=2), now=now.timestamp())
    two_days_late = expires_in(now - timedelta(days=2), now=now.timestamp())

    assert future == 2 * 3600 + GRACE_SECONDS
    assert two_days_late == GRACE_SECONDS  # arq's own default would be -1 day: refused


async def test_a_job_due_two_days_ago_is_queued_at_its_due_time(redis, wall_clock):
    due = datetime.now(UTC) - timedelta(days=2)
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        await queue.schedule("enforce_deadline", key="deadline:1", run_at=due, deadline_id=1)
    finally:
        await queue.close()

    score = await redis.zscore("arq:queue", "enforce_deadline:deadline:1")
    ttl_ms = await redis.pttl(f"{job_key_prefix}enforce_deadline:deadline:1")
    assert score == round(due.timestamp() * 1000)  # its place in the queue: earliest first
    assert 0 < ttl_ms <= GRACE_SECONDS * 1000


async def test_c7_a_deadline_two_days_overdue_is_enforced_by_its_job(redis, wall_clock):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    deadline = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE)
    deadline.due_at = datetime.now(UTC) - timedelta(days=2)
    await deadline.save()
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    try:
        await scheduling.schedule(
            "enforce_deadline",
            key=f"deadline:{deadline.id}",
            run_at=deadline.due_at,
            deadline_id=deadline.id,
        )
    finally:
        scheduling.install(None)
        await queue.close()

    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=WorkerSettings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()

    await deadline.refresh_from_db()
    assert worker.jobs_complete == 1
    assert deadline.state == DeadlineState.BREACHED


async def test_scheduling_while_redis_is_down_returns_at_once_and_leaves_the_job_to_the_sweep():
    import time

    queue = await ArqScheduler.connect("redis://127.0.0.1:1/0")  # nothing listens there
    scheduling.install(queue)
    try:
        started = time.monotonic()
        for n in range(20):
            await scheduling.schedule(
                "enforce_deadline", key=f"deadline:{n}", run_at=datetime.now(UTC), deadline_id=n
            )
        elapsed = time.monotonic() - started
    finally:
        scheduling.install(None)
        await queue.close()

    assert elapsed < 1.0  # one refused connection, then the queue is left alone for a while
