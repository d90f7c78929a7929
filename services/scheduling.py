"""A seam between use cases and the job queue: services say *what* must run *when*.

The database already holds every deadline; a cron sweep finds them even if nothing is
scheduled here. Scheduling only makes the reaction prompt. The app wires a real queue
(`workers.queue.ArqScheduler`) at start-up; until then nothing is sent anywhere.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)


class JobScheduler(Protocol):
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None: ...


class _NoQueue:
    async def schedule(self, job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
        return None


_scheduler: JobScheduler = _NoQueue()


def install(scheduler: JobScheduler | None) -> None:
    global _scheduler
    _scheduler = scheduler or _NoQueue()


async def schedule(job: str, *, key: str, run_at: datetime, **kwargs: Any) -> None:
    """Best effort: call after the transaction committed; a failure is left to the sweep."""
    try:
        await _scheduler.schedule(job, key=key, run_at=run_at, **kwargs)
    except Exception:  # the sweep catches what the queue missed
        log.warning("could not schedule %s (%s); the sweep will find it", job, key, exc_info=True)
