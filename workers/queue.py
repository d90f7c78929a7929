"""The job queue behind `services.scheduling`: arq on Redis. Swap this file to change queues."""

from __future__ import annotations

import pickle
import time
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.constants import expires_extra_ms

from services import logs

# arq keeps a job's payload until its run time plus this long; a job whose run time has passed
# gets the whole grace from now (see `expires_in`)
GRACE_SECONDS = expires_extra_ms / 1000


REQUEST_ID = "tousu_request_id"  # beside arq's own keys in a queued job


def serialize_job(data: dict[str, Any]) -> bytes:
    """arq's pickle, plus the id of the request that queued the job (`services.logs`)."""
    rid = logs.request_id.get()
    return pickle.dumps({**data, REQUEST_ID: rid} if rid else data)


def deserialize_job(raw: bytes) -> Any:
    """arq's unpickle; a job's request id becomes the request id of the task running it (arq
    runs each job in a task of its own), so its log lines carry the request's id."""
    data = pickle.loads(raw)
    if isinstance(data, dict) and (rid := data.pop(REQUEST_ID, None)):
        logs.request_id.set(rid)
    return data


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


def expires_in(run_at: datetime, *, now: float | None = None) -> float:
    """Seconds the queued job must live: until its run time, plus a day to be picked up.

    arq's own default is "run time minus now plus a day", negative for a job due more than a
    day ago (a backlog after a long outage): Redis refuses the PSETEX and the job is lost."""
    now = time.time() if now is None else now
    return max(run_at.timestamp() - now, 0.0) + GRACE_SECONDS


class ArqScheduler:
    """Deferred jobs with a stable id per key, so scheduling twice queues once.

    A job keeps its run time as its place in the queue even when that is long past, so a
    backlog drains earliest first."""

    def __init__(self, pool: ArqRedis):
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> ArqScheduler:
        """A client that connects on first use: the API starts, and serves everything that
        does not need the queue, while Redis is down."""
        settings = redis_settings(url)
        return cls(
            ArqRedis(
                host=settings.host,
                port=settings.port,
                db=settings.database,
                username=settings.username,
                password=settings.password,
                ssl=settings.ssl,
                unix_socket_path=settings.unix_socket_path,
                socket_connect_timeout=settings.conn_timeout,
                socket_timeout=settings.conn_timeout,
                job_serializer=serialize_job,
                job_deserializer=deserialize_job,
            )
        )

    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
        await self.pool.enqueue_job(
            job,
            _job_id=f"{job}:{key}",
            _defer_until=run_at,
            _expires=expires_in(run_at),
            **kwargs,
        )

    async def close(self) -> None:
        await self.pool.aclose(close_connection_pool=True)
