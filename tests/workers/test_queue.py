"""The job queue (`workers.queue`) on the real Redis: jobs of any age are queued, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.constants import job_key_prefix

from services import scheduling
from services.complaints.models import Category, Deadline, DeadlineKind, DeadlineState
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


async def test_jobs_scheduled_together_are_queued_as_arqs_own_enqueue_queues_one(redis):
    """Same keys, payload, place in the queue and lifetime as `ArqRedis.enqueue_job`."""
    import pickle

    due = datetime.now(UTC) + timedelta(hours=3)
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        await queue.schedule_many(
            [
                scheduling.Job("enforce_deadline", "deadline:1", due, {"deadline_id": 1}),
                scheduling.Job("enforce_deadline", "deadline:2", due, {"deadline_id": 2}),
            ]
        )
        await queue.pool.enqueue_job(
            "enforce_deadline",
            _job_id="enforce_deadline:deadline:3",
            _defer_until=due,
            _expires=expires_in(due),
            deadline_id=3,
        )
    finally:
        await queue.close()

    ids = ["enforce_deadline:deadline:1", "enforce_deadline:deadline:2"]
    arqs = "enforce_deadline:deadline:3"
    assert [j.decode() for j in await redis.zrange("arq:queue", 0, -1)] == sorted([*ids, arqs])
    stored = {i: pickle.loads(await redis.get(job_key_prefix + i)) for i in [*ids, arqs]}
    for n, i in enumerate(ids, start=1):
        assert await redis.zscore("arq:queue", i) == await redis.zscore("arq:queue", arqs)
        assert {k: v for k, v in stored[i].items() if k != "et"} == {
            "t": None,
            "f": "enforce_deadline",
            "a": (),
            "k": {"deadline_id": n},
        }
        assert stored[i].keys() == stored[arqs].keys()
        ttl, arqs_ttl = (
            await redis.pttl(job_key_prefix + i),
            await redis.pttl(job_key_prefix + arqs),
        )
        assert abs(ttl - arqs_ttl) < 60_000


async def test_a_job_scheduled_twice_or_already_run_is_queued_once(redis):
    from arq.constants import result_key_prefix

    due = datetime.now(UTC) + timedelta(hours=3)
    await redis.set(result_key_prefix + "enforce_deadline:deadline:9", b"ran")
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        await queue.schedule("enforce_deadline", key="deadline:1", run_at=due, deadline_id=1)
        await queue.schedule_many(
            [
                scheduling.Job("enforce_deadline", "deadline:1", due + timedelta(hours=1)),
                scheduling.Job("enforce_deadline", "deadline:2", due, {"deadline_id": 2}),
                scheduling.Job("enforce_deadline", "deadline:2", due + timedelta(hours=1)),
                scheduling.Job("enforce_deadline", "deadline:9", due, {"deadline_id": 9}),
            ]
        )
    finally:
        await queue.close()

    queued = {j.decode(): s for j, s in await redis.zrange("arq:queue", 0, -1, withscores=True)}
    first = round(due.timestamp() * 1000)
    assert queued == {"enforce_deadline:deadline:1": first, "enforce_deadline:deadline:2": first}


class CountingQueue(ArqScheduler):
    calls: list[list[scheduling.Job]]

    async def schedule_many(self, jobs):  # type: ignore[no-untyped-def]
        self.calls.append(list(jobs))
        await super().schedule_many(jobs)


async def test_c7_an_intakes_deadlines_are_queued_at_their_due_times_in_one_call(redis):
    own = await f.department(code="HOTLINE")
    await f.department(code="NET")
    handler = await f.staff(Role.HANDLER, dept=own)
    queue = CountingQueue((await ArqScheduler.connect(settings.redis_url)).pool)
    queue.calls = []
    scheduling.install(queue)
    try:
        complaint = await f.complaint(handler, category=Category.NETWORK_FAULT)
    finally:
        scheduling.install(None)
        await queue.close()

    deadlines = await Deadline.filter(complaint_id=complaint.id).order_by("id")
    assert len(deadlines) == 3 and len(queue.calls) == 1
    queued = {j.decode(): s for j, s in await redis.zrange("arq:queue", 0, -1, withscores=True)}
    assert queued == {
        f"enforce_deadline:deadline:{d.id}:{d.due_at.timestamp():.0f}": round(
            d.due_at.timestamp() * 1000
        )
        for d in deadlines
    }


async def test_scheduling_several_while_redis_is_down_leaves_them_to_the_sweep(caplog):
    """One failed attempt, logged; the next jobs are not tried while the queue is paused."""
    queue = await ArqScheduler.connect("redis://127.0.0.1:1/0")  # nothing listens there
    scheduling.install(queue)
    try:
        due = datetime.now(UTC)
        await scheduling.schedule_many(
            [scheduling.Job("enforce_deadline", f"deadline:{n}", due) for n in range(3)]
        )
        await scheduling.schedule_many([scheduling.Job("enforce_deadline", "deadline:9", due)])
    finally:
        scheduling.install(None)
        await queue.close()

    refused = [r for r in caplog.records if r.getMessage().startswith("could not schedule")]
    assert len(refused) == 1 and "and 2 more" in refused[0].getMessage()
