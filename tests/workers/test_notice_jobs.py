"""Notices delivered by a real arq worker on the real Redis: prompt jobs, retries, the relay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from arq.constants import job_key_prefix, result_key_prefix
from arq.worker import Worker

from services import scheduling
from services.config import settings
from services.notices import outbox
from services.notices.gateways.http import HttpGateway
from services.notices.gateways.outbox import OutboxGateway
from services.notices.models import Notice, NoticeStatus
from services.notices.templates import TemplateKind
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.notices.sms_server import ACCOUNT, SECRET, Reply, SmsServer
from workers import notices as jobs
from workers.queue import ArqScheduler
from workers.settings import WorkerSettings


@pytest.fixture(autouse=True)
async def no_quiet_hours():
    """The worker runs on the real clock: keep these tests independent of the time of day."""
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key="notices.quiet_hours",
        value={"start": "00:00", "end": "00:00"},
        reason="tests run at any hour",
        changed_by_id=admin.id,
    )


@pytest.fixture
async def sms():
    server = await SmsServer().start()
    yield server
    await server.stop()


async def run_worker(gateway, *, with_cron: bool = False) -> None:
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=WorkerSettings.cron_jobs if with_cron else None,
        redis_settings=WorkerSettings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        ctx={jobs.GATEWAY: gateway},
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()


async def written(n: int = 1) -> list[Notice]:
    rows = []
    for i in range(n):
        cust = await f.customer()
        rows.append(
            await outbox.write(
                key=f"refund:{1000 + i}:executed",
                kind=TemplateKind.REFUND_EXECUTED,
                values={"matter": "话费", "yyyy": "2026", "mm": "03", "dd": "05", "amount": "1.00"},
                msisdn=cust.msisdn,
                at=datetime.now(UTC),
                customer_id=cust.id,
            )
        )
    return rows


async def test_r14_a_kicked_notice_is_delivered_by_the_worker(redis):
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    try:
        [notice] = await written()
        await outbox.kick(notice)
    finally:
        scheduling.install(None)
        await queue.close()

    await run_worker(OutboxGateway())

    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


async def test_the_relay_finds_notices_whose_jobs_redis_lost(redis):
    rows = await written(3)  # never kicked: as if Redis had been flushed
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        queued = await jobs.relay_notices({"redis": queue.pool})
        again = await jobs.relay_notices({"redis": queue.pool})  # their jobs are queued now
    finally:
        await queue.close()

    await run_worker(OutboxGateway())

    assert (queued, again) == (3, 0)
    assert {n.status for n in await Notice.filter(id__in=[r.id for r in rows])} == {
        NoticeStatus.SENT
    }


def test_the_relay_runs_at_worker_start_and_every_few_seconds():
    [relay] = [c for c in WorkerSettings.cron_jobs if c.coroutine is jobs.relay_notices]
    assert relay.run_at_startup and relay.unique
    assert relay.second == set(range(0, 60, settings.notice_relay_seconds))


async def test_a_job_left_in_progress_by_a_killed_worker_does_not_hold_the_notice_back(redis):
    from datetime import timedelta

    from arq.constants import in_progress_key_prefix, job_key_prefix

    [notice] = await written()
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        await jobs.relay_notices({"redis": queue.pool})  # its job is queued
        # a worker takes the job and is SIGKILLed before claiming the notice: arq keeps the job
        # "in progress" for job_timeout, so no other worker would run it for a minute
        job_id = f"{outbox.DELIVER_NOTICE_JOB}:{outbox.job_key(notice.id, 0)}"
        await queue.pool.set(in_progress_key_prefix + job_id, b"1", px=60_000)
        fresh = await jobs.relay_notices({"redis": queue.pool})
        stale_since = datetime.now(UTC) - timedelta(seconds=settings.notice_lease_seconds + 1)
        await Notice.filter(id=notice.id).update(next_attempt_at=stale_since)
        stale = await jobs.relay_notices({"redis": queue.pool})
        queued = [k.decode() async for k in queue.pool.scan_iter(f"{job_key_prefix}{job_id}*")]
    finally:
        await queue.close()

    assert (fresh, stale) == (0, 1)  # a job just queued is trusted; one due a lease ago is not
    assert len(queued) == 2 and any(k.startswith(f"{job_key_prefix}{job_id}:r") for k in queued)


async def test_a_transient_failure_queues_the_retry_in_redis(redis, sms):
    [notice] = await written()
    sms.respond = lambda seen: Reply(status=503)
    gateway = HttpGateway(url=sms.url, account=ACCOUNT, secret=SECRET, timeout_seconds=1)
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        result = await jobs.deliver_notice({"redis": queue.pool, jobs.GATEWAY: gateway}, notice.id)
        queued = await redis.zrange("arq:queue", 0, -1)
    finally:
        await gateway.close()
        await queue.close()

    assert result == "retry"
    assert queued == [f"deliver_notice:notice:{notice.id}:1".encode()]


async def test_r14_running_the_delivery_job_twice_sends_once(redis, sms):
    [notice] = await written()
    gateway = HttpGateway(url=sms.url, account=ACCOUNT, secret=SECRET, timeout_seconds=1)
    ctx = {jobs.GATEWAY: gateway}
    try:
        first = await jobs.deliver_notice(ctx, notice.id)
        second = await jobs.deliver_notice(ctx, notice.id)
    finally:
        await gateway.close()

    assert (first, second) == ("sent", "skipped")
    assert sms.counts() == {notice.key: 1}


async def backlog(n: int, *, since: timedelta) -> list[Notice]:
    """n notices due from `since` ago until now, as after an outage that long."""
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        cust = await f.customer()
        rows.append(
            await outbox.write(
                key=f"refund:{5000 + i}:executed",
                kind=TemplateKind.REFUND_EXECUTED,
                values={"matter": "话费", "yyyy": "2026", "mm": "03", "dd": "05", "amount": "1.00"},
                msisdn=cust.msisdn,
                at=now - since + since * i / n,
                customer_id=cust.id,
            )
        )
    return rows


async def test_r14_a_two_day_backlog_of_notices_drains(redis, wall_clock):
    rows = await backlog(60, since=timedelta(days=2))
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        queued = await jobs.relay_notices({"redis": queue.pool})
        again = await jobs.relay_notices({"redis": queue.pool})  # waiting jobs are not doubled
        in_queue = await redis.zcard("arq:queue")
    finally:
        await queue.close()

    await run_worker(OutboxGateway())

    assert (queued, again, in_queue) == (60, 0, 60)
    assert {n.status for n in await Notice.filter(id__in=[r.id for r in rows])} == {
        NoticeStatus.SENT
    }


async def test_jobs_a_killed_worker_left_in_progress_do_not_stall_the_queue(redis, wall_clock):
    import asyncio

    from arq.constants import in_progress_key_prefix

    from workers.resilient import Worker

    rows = await backlog(60, since=timedelta(minutes=1))
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        await jobs.relay_notices({"redis": queue.pool})
        # a worker took the first max_jobs jobs and was SIGKILLed: arq keeps them "in progress"
        # (at the head of the queue) until job_timeout + 10 s
        head = await redis.zrange("arq:queue", 0, WorkerSettings.max_jobs - 1)
        for job_id in head:
            await redis.set(in_progress_key_prefix + job_id.decode(), b"1", px=60_000)
    finally:
        await queue.close()
    taken = {int(j.decode().split(":")[2]) for j in head}
    others = [r.id for r in rows if r.id not in taken]

    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=WorkerSettings.redis_settings,
        queue_read_limit=WorkerSettings.queue_read_limit,
        poll_delay=0.05,
        handle_signals=False,
        ctx={jobs.GATEWAY: OutboxGateway()},
    )
    running = asyncio.create_task(worker.async_run())
    try:
        for _ in range(100):  # 5 s; the stuck jobs would hold everything for a minute
            if await Notice.filter(id__in=others, status=NoticeStatus.SENT).count() == len(others):
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await worker.close()

    assert len(others) == 40
    assert await Notice.filter(id__in=others, status=NoticeStatus.SENT).count() == 40


async def test_r14_a_notice_whose_job_arq_ended_unrun_is_queued_again_at_once(redis, wall_clock):
    """The chaos test's notices stuck PENDING with 0 attempts (seed 3441623391): Redis flushed
    between a worker's read of the queue and of the job's payload. arq ends such a job as
    "expired" and keeps that outcome for an hour (the worker's keep_result), refusing the same
    job id meanwhile, so the relay's job for the notice was refused every second."""
    [notice] = await written()
    queue = await ArqScheduler.connect(settings.redis_url)
    try:
        assert await jobs.relay_notices({"redis": queue.pool}) == 1
        [job_id] = [j.decode() for j in await redis.zrange("arq:queue", 0, -1)]
        await redis.delete(job_key_prefix + job_id)  # the payload gone, the queue entry kept
        await run_worker(OutboxGateway())  # arq: "job … expired"
        left = (await Notice.get(id=notice.id)).status
        remembered = await redis.exists(result_key_prefix + job_id)
        again = await jobs.relay_notices({"redis": queue.pool})
    finally:
        await queue.close()
    await run_worker(OutboxGateway())

    assert (left, remembered, again) == (NoticeStatus.PENDING, 1, 1)
    assert (await Notice.get(id=notice.id)).status == NoticeStatus.SENT
