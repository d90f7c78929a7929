"""arq's Worker, kept alive through Redis outages.

arq ends its poll loop on the first Redis error, and the process exits: deadlines, notices and
the audit would stop until someone restarts it. Here a lost connection is logged once, Redis is
tried again with back-off (0.5 s doubling to 30 s), and work goes on when it answers. Nothing
is lost in between: jobs take ids and reload their state, and the relay and the sweeps re-find
whatever a lost job should have done, because PostgreSQL holds what must happen and when. They
run as soon as Redis is back, as at start-up, rather than at their next turn.

Four places raise on a Redis error: the first connection, the worker's own poll (reads the
queue, takes jobs, records health, queues the crons), a job's bookkeeping around the function
it runs, and closing. Each is wrapped here; a job's own exceptions are arq's business as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

from arq import worker as arq_worker
from arq.connections import create_pool
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisError, OSError, asyncio.TimeoutError)
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
PING_TIMEOUT = 5.0  # a Redis behind a broken network may never answer


class Worker(arq_worker.Worker):
    """`arq.worker.Worker` that waits for Redis instead of exiting when it goes away."""

    outage_started: float | None = None

    async def main(self) -> None:
        delay = FIRST_DELAY
        while self._pool is None:
            try:
                self._pool = await create_pool(
                    self.redis_settings,
                    job_deserializer=self.job_deserializer,
                    job_serializer=self.job_serializer,
                    default_queue_name=self.queue_name,
                    expires_extra_ms=self.expires_extra_ms,
                )
            except REDIS_DOWN as exc:
                log.warning("Redis unavailable at start (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
        await super().main()

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            await self.wait_for_redis(exc)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        # arq takes a slot of max_jobs before it asks Redis whether the job is free, and gives
        # it back on every path but a connection error: twenty outages would stop the worker
        for job_id in job_ids:
            try:
                await super().start_jobs([job_id])
            except REDIS_DOWN:
                self.job_counter -= 1
                self.sem.release()
                raise

    async def run_job(self, job_id: str, score: int) -> None:
        try:
            await super().run_job(job_id, score)
        except REDIS_DOWN as exc:  # the job's own outcome, if it ran, is in PostgreSQL
            log.warning("job %s: Redis unavailable for its bookkeeping (%s)", job_id, exc)

    async def close(self) -> None:
        """arq's close, made to finish: a job cancelled by the stop ends in CancelledError,
        which is that job's outcome (its work is in PostgreSQL, and a sweep finds what it
        missed), not a reason to leave the database and the pool open; and a stop during a
        Redis outage still closes the database."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        try:
            await self.pool.delete(self.health_check_key)
        except REDIS_DOWN as exc:  # stopped during an outage: close the database all the same
            log.warning("stopping without Redis (%s)", exc)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        with contextlib.suppress(*REDIS_DOWN):
            await self.pool.close(close_connection_pool=True)
        self._pool = None

    async def wait_for_redis(self, exc: BaseException) -> None:
        """Back off until Redis answers a PING again."""
        if self.outage_started is None:
            self.outage_started = time.monotonic()
            log.warning("Redis unavailable (%s); waiting for it, the worker keeps running", exc)
        delay = FIRST_DELAY
        while True:
            await asyncio.sleep(delay)
            try:
                await asyncio.wait_for(self.pool.ping(), PING_TIMEOUT)
            except REDIS_DOWN:
                delay = min(delay * 2, MAX_DELAY)
                continue
            log.warning("Redis is back after %.1f s", time.monotonic() - self.outage_started)
            self.outage_started = None
            for cron_job in self.cron_jobs:  # it may have come back empty: re-find at once
                if cron_job.run_at_startup:
                    cron_job.next_run = None
            return
