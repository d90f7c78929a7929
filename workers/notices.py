"""Customer notices: the delivery job and the relay that re-finds what Redis lost.

The job takes a notice id and may run any number of times: the database claim decides whether
this run sends anything. The relay runs every NOTICE_RELAY_SECONDS: whatever is due and held by
no worker gets a job again (one job id per notice and attempt, so a job still queued is not
queued twice), which covers a flushed Redis, a killed worker and a lost `kick`. A notice due for
longer than a lease whose job arq lists as in progress gets a fresh job: a worker killed after
taking a job leaves it "in progress" for job_timeout, which must not delay the customer. So does
a notice whose job arq ended unrun ("expired": its payload vanished under the worker), which arq
would otherwise refuse to queue again for an hour. A job that is merely waiting in the queue (a
backlog) is left alone, so a backlog is queued once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix

from services import clock
from services.config import settings
from services.notices import delivery, gateways, outbox
from services.notices.gateways.base import Gateway
from workers.queue import ArqScheduler

log = logging.getLogger(__name__)
GATEWAY = "notice_gateway"


async def startup(ctx: dict[str, Any]) -> None:
    """The gateways, and the SMPP session bound now: receipts come whether or not we send."""
    if GATEWAY not in ctx:
        ctx[GATEWAY] = gateways.from_settings(settings, on_receipt=delivery.record_report)
    gateway = ctx[GATEWAY]
    start = getattr(gateway, "start", None)
    if start is not None:
        await start()
    if getattr(gateway, "sms", gateway).name == "outbox" and not settings.dev:
        log.warning("NOTICE_GATEWAY is outbox: customer SMS are kept, not sent")


async def shutdown(ctx: dict[str, Any]) -> None:
    gateway: Gateway | None = ctx.pop(GATEWAY, None)
    if gateway is not None:
        await gateway.close()


async def deliver_notice(ctx: dict[str, Any], notice_id: int) -> str:
    if GATEWAY not in ctx:
        await startup(ctx)
    outcome = await delivery.deliver(notice_id, gateway=ctx[GATEWAY], at=clock.now())
    if outcome.next_attempt_at is not None:
        await ArqScheduler(ctx["redis"]).schedule(
            outbox.DELIVER_NOTICE_JOB,
            key=outbox.job_key(notice_id, outcome.attempt),
            run_at=outcome.next_attempt_at,
            notice_id=notice_id,
        )
    return outcome.result.value


async def flag_unreceipted_notices(ctx: dict[str, Any]) -> int:
    """Every minute: SMS with no delivery receipt after NOTICE_RECEIPT_WAIT_MINUTES are
    flagged for a person."""
    return len(await delivery.flag_unreceipted(at=clock.now()))


async def relay_notices(ctx: dict[str, Any]) -> int:
    """Queue a job for every due notice that has none, a page at a time (one pipelined
    look-up of the page's job ids).

    A job is queued at its notice's due time, even if that has passed: arq runs the earliest
    first, so a notice lost by a killed worker goes ahead of the ones due after it."""
    redis: ArqRedis = ctx["redis"]
    scheduler = ArqScheduler(redis)
    at = clock.now()
    stale_after = timedelta(seconds=max(1, settings.notice_lease_seconds))
    queued = 0
    after: tuple[datetime, int] | None = None
    while page := await outbox.due(at=at, after=after):
        job_ids = [f"{outbox.DELIVER_NOTICE_JOB}:{outbox.job_key(i, n)}" for i, n, _ in page]
        async with redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.exists(job_key_prefix + job_id)
                pipe.exists(in_progress_key_prefix + job_id)
                pipe.exists(result_key_prefix + job_id)
            found = await pipe.execute()
        for (notice_id, attempts, due_at), known, taken, ended in zip(
            page, found[0::3], found[1::3], found[2::3], strict=True
        ):
            key = outbox.job_key(notice_id, attempts)
            fresh = f"{key}:r{int(at.timestamp() // stale_after.total_seconds())}"
            if known:
                if not taken or at - due_at < stale_after:
                    continue
                # taken by a worker, due for longer than a lease, and nobody holds the notice:
                # that worker died (arq keeps its job "in progress" for job_timeout); one
                # fresh job per lease period, the database claim keeps sends single
                key = fresh
            elif ended:
                # arq ended this job without running it: its payload was gone when a worker
                # took it (Redis flushed or failed over under the worker: "job … expired"),
                # and it keeps that outcome for an hour, refusing the same job id meanwhile
                # (the chaos test's notices stuck PENDING with 0 attempts); the notice is
                # still due and held by nobody, so it gets a fresh job
                key = fresh
            await scheduler.schedule(
                outbox.DELIVER_NOTICE_JOB, key=key, run_at=due_at, notice_id=notice_id
            )
            queued += 1
        after = (page[-1][2], page[-1][0])
    if queued:
        log.info("relay queued %s due notices that had no job", queued)
    return queued
