"""Forced interleavings of complaint use cases on real connections (issue 13, C-3/C-4).

Each task gets its own clock (a context variable, so two API servers whose clocks differ by a
second can be modelled) and runs in its own transaction on its own pooled connection. A task
is paused at a named point by an asyncio.Event, and the test waits until another task is
BLOCKED on a lock (read from pg_locks), never for a length of time.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tortoise import Tortoise

from services import clock

task_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "task_clock", default=None
)
task_name: contextvars.ContextVar[str] = contextvars.ContextVar("task_name", default="")


def per_task_clock(monkeypatch: Any) -> None:
    """clock.now() answers the running task's own clock when it has one."""
    shared = clock.now

    def now() -> datetime:
        own = task_clock.get()
        return own if own is not None else shared()

    monkeypatch.setattr(clock, "now", now)


def run_as(name: str, at: datetime, work: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any]:
    async def body() -> Any:
        task_name.set(name)
        task_clock.set(at)
        return await work()

    return asyncio.create_task(body(), name=name)


class Pause:
    """Holds the task named `who` at a wrapped function until released."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    def wrap(self, monkeypatch: Any, owner: Any, attribute: str, *, after: bool = True) -> None:
        real = getattr(owner, attribute)

        async def paused(*args: Any, **kwargs: Any) -> Any:
            if not after and task_name.get() == self.who and not self.reached.is_set():
                await self._hold()
            result = await real(*args, **kwargs)
            if after and task_name.get() == self.who and not self.reached.is_set():
                await self._hold()
            return result

        monkeypatch.setattr(owner, attribute, paused)

    async def _hold(self) -> None:
        self.reached.set()
        await self.release.wait()


ROW_LOCKS = ("transactionid", "tuple")


async def lock_waiters(*kinds: str) -> int:
    """Sessions waiting for a lock of these pg_locks types (advisory or row locks) right now."""
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = ANY($1::text[])",
        [list(kinds or ("advisory", *ROW_LOCKS))],
    )
    return int(rows[0]["n"])


async def until_blocked(task: asyncio.Task[Any], waiting: int = 1) -> None:
    """Return once `waiting` sessions wait for a lock (the task reached it and stopped)."""
    while await lock_waiters() < waiting:
        if task.done():
            task.result()  # raise its error, if any
            raise AssertionError(f"{task.get_name()} finished instead of waiting for a lock")
        await asyncio.sleep(0.01)  # polling a condition, not a timing assumption
