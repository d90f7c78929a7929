"""Login throttling: at most 5 failed attempts per username and per client IP in 15 minutes."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable


class LoginThrottle:
    """Counts failed logins per key in a sliding window, in this process's memory.

    Good enough for the skeleton, with known limits: each worker process counts on its own
    (N processes allow N × limit attempts), a restart forgets everything, and behind a reverse
    proxy the client IP is the proxy's unless uvicorn runs with --proxy-headers. A shared
    store (Redis or Postgres) replaces this when the console runs on more than one process.

    An attempt is counted *before* the password is checked (`begin`) and taken back when it
    succeeds (`forgive`), so a burst of concurrent requests cannot slip past the limit while
    the first ones are still being verified.
    """

    def __init__(
        self,
        *,
        limit: int = 5,
        window_seconds: float = 15 * 60,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until every key may try again; 0 when none is locked."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            stamps = self._recent(key, now)
            if len(stamps) >= self.limit:
                wait = max(wait, stamps[-self.limit] + self.window - now)
        return wait

    def begin(self, keys: Iterable[str]) -> tuple[float, float]:
        """Count one attempt against every key unless one is locked.

        Returns (retry_after, stamp): a positive retry_after means refused and nothing counted;
        otherwise stamp identifies the attempt for `forgive`.
        """
        keys = list(keys)
        wait = self.retry_after(keys)
        if wait > 0:
            return wait, 0.0
        now = self._clock()
        if len(self._failures) >= self.max_keys:
            self._sweep(now)
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)
        return 0.0, now

    def forgive(self, keys: Iterable[str], stamp: float) -> None:
        """Take back an attempt counted by `begin` that turned out to be a good password."""
        for key in keys:
            stamps = self._failures.get(key)
            if stamps is not None and stamp in stamps:
                stamps.remove(stamp)
                if not stamps:
                    del self._failures[key]

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def _sweep(self, now: float) -> None:
        """Bound memory: drop expired keys, then the oldest ones if still over the cap."""
        for key in list(self._failures):
            self._recent(key, now)
        overflow = len(self._failures) - self.max_keys + 1
        for key in list(self._failures)[: max(overflow, 0)]:
            del self._failures[key]


def login_keys(username: str, client_ip: str) -> tuple[str, str]:
    """The two keys an attempt counts against; usernames compare case-insensitively."""
    return f"user:{username.strip().casefold()}", f"ip:{client_ip}"
