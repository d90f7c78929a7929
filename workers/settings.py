"""arq worker settings: `python -m workers` runs them. Jobs take ids and are idempotent."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, func

from services import clock, db, logs, runtime
from services.audit import service as audit
from services.calendar.service import calendar_status
from services.complaints import deadlines, routing
from services.complaints.service import ENFORCE_DEADLINE_JOB
from services.config import settings
from services.notices.outbox import DELIVER_NOTICE_JOB
from services.partners.disputes import OPEN_DISPUTE_JOB
from services.partners.webhooks import DELIVER_WEBHOOK_JOB
from services.refunds import enforcement as refund_deadlines
from services.refunds import risk_recompute
from workers import analysis, notices, webhooks
from workers.queue import redis_settings

log = logging.getLogger("workers.calendar")


async def startup(ctx: dict[str, Any]) -> None:
    logs.configure(settings.log_level)
    await runtime.start()
    await notices.startup(ctx)


async def shutdown(ctx: dict[str, Any]) -> None:
    await notices.shutdown(ctx)
    await db.close()


async def enforce_deadline(ctx: dict[str, Any], deadline_id: int) -> bool:
    """Scheduled at a deadline's due time; the sweep covers it if this job is lost."""
    return await deadlines.enforce(deadline_id, at=clock.now())


async def sweep_deadlines(ctx: dict[str, Any]) -> int:
    """Every minute: every pending deadline that is due, whether or not its job ran."""
    return await deadlines.sweep(at=clock.now())


async def enforce_refund_deadline(ctx: dict[str, Any], deadline_id: int) -> int:
    """Scheduled at a refund's R-13 due time; the sweep covers it if this job is lost."""
    return await refund_deadlines.enforce_deadline(deadline_id, at=clock.now())


async def sweep_refund_deadlines(ctx: dict[str, Any]) -> int:
    """Every minute: every open refund with an R-13 step overdue, whether or not its job ran."""
    return await refund_deadlines.sweep(at=clock.now())


async def recompute_risk_profiles(ctx: dict[str, Any], run_id: int) -> int:
    """K-1 thresholds changed: a slice of batches of stored profiles; queues the next slice."""
    run = await risk_recompute.run_job(run_id)
    return run.done


async def sweep_risk_recomputes(ctx: dict[str, Any]) -> int:
    """Every minute: a run for a K-1 change nobody started, and every unfinished run resumed."""
    return await risk_recompute.sweep()


async def audit_executed_refunds(ctx: dict[str, Any]) -> int:
    """Every few minutes: check every refund against the policy, again until it settles (A-1)."""
    run = await audit.check_unchecked()
    return run.checked


async def fold_investigator_loads(ctx: dict[str, Any]) -> int:
    """Every ten minutes: each investigator's load (C-8 routing reads it) back to one row."""
    return await routing.fold_loads()


async def check_calendar(ctx: dict[str, Any]) -> str | None:
    """Once a day: one log line while the confirmed calendar ends within 60 days (C-7)."""
    status = await calendar_status()
    if status.warning:
        log.warning("calendar: %s", status.warning)
    return status.warning


class WorkerSettings:
    functions: ClassVar[list[Function]] = [
        func(enforce_deadline, name=ENFORCE_DEADLINE_JOB),
        func(enforce_refund_deadline, name=refund_deadlines.ENFORCE_REFUND_DEADLINE_JOB),
        func(recompute_risk_profiles, name=risk_recompute.RECOMPUTE_JOB, keep_result=0),
        func(notices.deliver_notice, name=DELIVER_NOTICE_JOB, keep_result=0),
        func(webhooks.deliver_webhook, name=DELIVER_WEBHOOK_JOB, keep_result=0),
        func(webhooks.open_dispute, name=OPEN_DISPUTE_JOB, keep_result=0),
    ]
    cron_jobs: ClassVar[list[CronJob]] = [
        cron(sweep_deadlines, second=0, run_at_startup=True, unique=True),
        cron(sweep_refund_deadlines, second=20, run_at_startup=True, unique=True),
        cron(sweep_risk_recomputes, second=40, run_at_startup=True, unique=True),
        cron(
            notices.relay_notices,
            second=set(range(0, 60, max(1, min(settings.notice_relay_seconds, 60)))),
            run_at_startup=True,
            unique=True,
        ),
        cron(webhooks.relay_webhooks, second=set(range(0, 60, 10)), unique=True, timeout=55),
        cron(audit_executed_refunds, minute=set(range(0, 60, 5)), second=30, unique=True),
        cron(check_calendar, hour=1, minute=0, second=0, unique=True),
        cron(fold_investigator_loads, minute=set(range(0, 60, 10)), second=40, unique=True),
        # SMS with no delivery receipt after NOTICE_RECEIPT_WAIT_MINUTES: flagged for a person
        cron(notices.flag_unreceipted_notices, second=50, unique=True),
        # an overdue rectification told to the owner's head, once per due date
        cron(analysis.sweep_rectifications, minute={5, 35}, second=10, unique=True),
        # C-11: the rollup of the current and the last month the analysis reads answer from
        cron(
            analysis.refresh_analysis,
            minute=set(range(0, 60, 10)),
            second=50,
            unique=True,
            timeout=540,  # every scope of two months: seconds at 100,000 complaints a month
        ),
    ]
    redis_settings: ClassVar[RedisSettings] = redis_settings(settings.redis_url)
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = 20
    # arq reads this many due jobs per poll, earliest first. Jobs a killed worker left "in
    # progress" stay at the head of the queue for job_timeout + 10 s; reading only max_jobs
    # of them, a new worker would see nothing else (and no cron: they queue behind the
    # backlog) until they expire. Reading further, it skips them and goes on. Not much
    # further: the poll starts every job it read before it records health and queues crons.
    queue_read_limit = 5 * max_jobs
    job_timeout = 60
    health_check_interval = 10  # `python -m workers --check` reads it
    # arq's default 0.5 s pause between queue reads caps notice delivery near 200/s; at 0.05 s
    # one worker sends about 600/s (bench/bench_notice_delivery.py)
    poll_delay = 0.05
