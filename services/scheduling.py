"""A seam between use cases and the job queue: services say *what* must run *when*.

The database already holds every deadline; a cron sweep finds them even if nothing is
scheduled here. Scheduling only makes the reaction prompt. The app wires a real queue
(`workers.queue.ArqScheduler`) at start-up; until then nothing is sent anywhere.

A queue that fails is left alone for a few seconds (`PAUSE_SECONDS`): while Redis is down a
request that writes a deadline pays for one failed attempt at most, not one per job. Several
jobs known at once (an intake's deadlines) go in one call, one round trip (`schedule_many`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)
PAUSE_SECONDS = 5.0


@dataclass(frozen=True)
class Job:
    """`job` to run at `run_at` with `kwargs`; one per `key` however often it is scheduled."""

    job: str
    key: str
    run_at: datetime
    kwargs: dict[str, Any] = field(default_factory=dict)


class JobScheduler(Protocol):
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None: ...

    async def schedule_many(self, jobs: Sequence[Job]) -> None: ...


class _NoQueue:
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
        return None

    async def schedule_many(self, jobs: Sequence[Job]) -> None:
        return None


_scheduler: JobScheduler = _NoQueue()
_paused_until = 0.0  # time.monotonic() before which the queue is not tried


def install(scheduler: JobScheduler | None) -> None:
    global _scheduler, _paused_until
    _scheduler = scheduler or _NoQueue()
    _paused_until = 0.0


async def schedule(job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
    """Best effort: call after the transaction committed; a failure is left to the sweep."""
    global _paused_until
    if time.monotonic() < _paused_until:
        log.debug("queue paused after a failure; %s (%s) is left to the sweep", job, key)
        return
    try:
        await _scheduler.schedule(job, key=key, run_at=run_at, **kwargs)
    except Exception as exc:  # the sweep catches what the queue missed
        _paused_until = time.monotonic() + PAUSE_SECONDS
        log.warning(
            "could not schedule %s (%s): %s; the sweep will find it, queue paused %.0f s",
            job,
            key,
            exc,
            PAUSE_SECONDS,
        )


async def schedule_many(jobs: Sequence[Job]) -> None:
    """`schedule` for several jobs at once, in one call to the queue (all or none queued)."""
    global _paused_until
    if not jobs:
        return
    if time.monotonic() < _paused_until:
        log.debug("queue paused after a failure; %d jobs are left to the sweep", len(jobs))
        return
    try:
        await _scheduler.schedule_many(jobs)
    except Exception as exc:  # the sweep catches what the queue missed
        _paused_until = time.monotonic() + PAUSE_SECONDS
        log.warning(
            "could not schedule %s (%s) and %d more: %s; the sweep will find them, "
            "queue paused %.0f s",
            jobs[0].job,
            jobs[0].key,
            len(jobs) - 1,
            exc,
            PAUSE_SECONDS,
        )
