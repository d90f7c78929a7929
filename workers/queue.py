"""The job queue behind `services.scheduling`: arq on Redis. Swap this file to change queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class ArqScheduler:
    """Deferred jobs with a stable id per key, so scheduling twice queues once."""

    def __init__(self, pool: ArqRedis):
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> ArqScheduler:
        return cls(await create_pool(redis_settings(url)))

    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
        await self.pool.enqueue_job(job, _job_id=f"{job}:{key}", _defer_until=run_at, **kwargs)

    async def close(self) -> None:
        await self.pool.aclose(close_connection_pool=True)
