"""A seam between use cases and the job queue: services say *what* must run *when*.

The database already holds every deadline; a cron sweep finds them even if nothing is
scheduled here. Scheduling only makes the reaction prompt. The app wires a real queue
(`workers.queue.ArqScheduler`) at start-up; until then nothing is sent anywhere.

A queue that fails is left alone for a few seconds (`PAUSE_SECONDS`): while Redis is down a
request that writes a deadline pays for one failed attempt at most, not one per job.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)
PAUSE_SECONDS = 5.0


class JobScheduler(Protocol):
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None: ...


class _NoQueue:
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
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
