"""The job queue behind `services.scheduling`: arq on Redis. Swap this file to change queues."""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.constants import expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job as arq_job
from arq.utils import timestamp_ms, to_ms, to_unix_ms

from services import logs
from services.scheduling import Job

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


# arq's `enqueue_job` for several jobs in one round trip (it sends three per job: WATCH, EXISTS,
# MULTI…EXEC): each job is queued unless its payload or its result is there already, the check
# and the writes atomic as a script. KEYS: the queue, then each job's payload and result keys;
# ARGV: four per job (its id, its score, its payload's lifetime in ms, the payload).
_ENQUEUE_LUA = """
local queued = 0
for i = 0, (#KEYS - 1) / 2 - 1 do
  local job_key, result_key, a = KEYS[2 + 2 * i], KEYS[3 + 2 * i], 4 * i
  if redis.call('EXISTS', job_key, result_key) == 0 then
    redis.call('PSETEX', job_key, ARGV[a + 3], ARGV[a + 4])
    redis.call('ZADD', KEYS[1], ARGV[a + 2], ARGV[a + 1])
    queued = queued + 1
  end
end
return queued
"""


class ArqScheduler:
    """Deferred jobs with a stable id per key, so scheduling twice queues once.

    A job keeps its run time as its place in the queue even when that is long past, so a
    backlog drains earliest first. Queued as arq's `enqueue_job` would (same keys, payload,
    score and lifetime), several in one round trip."""

    def __init__(self, pool: ArqRedis):
        self.pool = pool
        self._enqueue = pool.register_script(_ENQUEUE_LUA)

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
        await self.schedule_many([Job(job, key, run_at, kwargs)])

    async def schedule_many(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            return
        keys: list[str] = [self.pool.default_queue_name]
        args: list[str | int | bytes] = []
        enqueued_at = timestamp_ms()
        for job in jobs:
            job_id = f"{job.job}:{job.key}"
            keys += [job_key_prefix + job_id, result_key_prefix + job_id]
            payload = arq_job(
                job.job, (), job.kwargs, None, enqueued_at, serializer=self.pool.job_serializer
            )
            args += [job_id, to_unix_ms(job.run_at), to_ms(expires_in(job.run_at)), payload]
        await self._enqueue(keys=keys, args=args)

    async def close(self) -> None:
        await self.pool.aclose(close_connection_pool=True)
