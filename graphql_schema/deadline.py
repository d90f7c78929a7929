"""A request's deadline: `asyncio.timeout`'s behaviour, one event-loop timer for all requests.

`asyncio.timeout(s)` schedules a timer when a request starts and cancels it when the request
ends: 6.9 us per request on uvloop, which makes a libuv timer of each, about 2% of `me`'s
server CPU (issue 14). A `Deadline` is an `asyncio.Timeout` that schedules nothing itself: it
is noted in its loop's `Sweeper`, whose one timer, running every TICK seconds while any
deadline is pending, expires those past due with `Timeout.reschedule`. What follows is
asyncio's own: the task cancelled, `TimeoutError` raised where the `async with` is left, a
cancellation from elsewhere left alone. A deadline fires at most TICK seconds late.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

TICK = 0.05  # seconds


class Sweeper:
    """The pending deadlines of one event loop, expired by one timer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: dict[asyncio.Timeout, float] = {}
        self.ticking = False

    def add(self, timeout: asyncio.Timeout, when: float) -> None:
        self.pending[timeout] = when
        if not self.ticking:
            self.ticking = True
            self.loop.call_later(TICK, self.sweep)

    def sweep(self) -> None:
        now = self.loop.time()
        due = [timeout for timeout, when in self.pending.items() if when <= now]
        for timeout in due:
            del self.pending[timeout]
            timeout.reschedule(now)  # asyncio's expiry, at the loop's next turn
        self.ticking = bool(self.pending)
        if self.ticking:
            self.loop.call_later(TICK, self.sweep)


_sweeper: Sweeper | None = None  # the running loop's (a server runs one)


class Deadline:
    """`async with Deadline(seconds):` as `async with asyncio.timeout(seconds):`."""

    __slots__ = ("seconds", "sweeper", "timeout")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.timeout = asyncio.Timeout(None)  # no timer of its own
        self.sweeper: Sweeper | None = None

    async def __aenter__(self) -> asyncio.Timeout:
        global _sweeper
        await self.timeout.__aenter__()
        loop = asyncio.get_running_loop()
        if _sweeper is None or _sweeper.loop is not loop:  # another loop's keeps sweeping its own
            _sweeper = Sweeper(loop)
        _sweeper.add(self.timeout, loop.time() + self.seconds)
        self.sweeper = _sweeper
        return self.timeout

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if self.sweeper is not None:
            self.sweeper.pending.pop(self.timeout, None)
        await self.timeout.__aexit__(exc_type, exc_val, exc_tb)
