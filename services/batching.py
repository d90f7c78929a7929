"""Look-ups by key that concurrent requests share: one statement for all the keys asked while
the previous statement was out (issue 14).

Every request reads its caller's staff row (a revoked token must stop at once, so the row is
never kept). Under load, a statement per request costs each request a pool acquire, a send, a
receive and a release: about a quarter of `me`'s CPU. Here the keys asked together go out in
one statement: a key asked while no statement is out is sent at once (on the loop's next turn,
so the keys asked in the same turn join it); a key asked while one is out waits for it to come
back and goes out in the next. Every key is still read by a statement sent after it was asked:
what was committed before a request asked is what it sees.

The statement runs in a task of its own: a request cancelled while waiting (its deadline, its
client gone) neither cancels the others' statement nor is waited for. A failed statement fails
every request of its batch with the same exception (a database outage is still answered as
one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Batched(Generic[K, V]):
    """`await batched.get(key)`: `fetch(keys)`'s value for `key` (None when it has none),
    with the keys of concurrent callers fetched together. One per process and event loop."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> None:
        self.fetch = fetch
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self.sender: asyncio.Task[None] | None = None

    def get(self, key: K) -> Awaitable[V | None]:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new event loop (tests): nothing of the old one is valid
            self.loop, self.waiting, self.sender = loop, {}, None
        future: asyncio.Future[V | None] = loop.create_future()
        self.waiting.setdefault(key, []).append(future)
        if self.sender is None:
            self.sender = loop.create_task(self._send())
        return future

    async def _send(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, {}
                keys = [key for key, futures in batch.items() if _any_waiting(futures)]
                if not keys:
                    continue
                try:
                    found = await self.fetch(keys)
                except BaseException as exc:
                    _settle(batch.values(), error=exc)
                    if not isinstance(exc, Exception):
                        raise  # cancelled (shutdown): the waiters were told
                    continue
                for key, futures in batch.items():
                    value = found.get(key)
                    for future in futures:
                        if not future.done():
                            future.set_result(value)
        finally:
            self.sender = None
            if self.waiting:  # asked while this task was being cancelled: not left hanging
                _settle(self.waiting.values(), error=None)
                self.waiting = {}


def _any_waiting(futures: list[asyncio.Future[V | None]]) -> bool:
    return any(not future.done() for future in futures)


def _settle(
    batches: Iterable[list[asyncio.Future[V | None]]], *, error: BaseException | None
) -> None:
    """Each waiting future fails with `error`; cancelled when there is none (or it is a
    cancellation: a future cannot be given one as its exception)."""
    for futures in batches:
        for future in futures:
            if future.done():
                continue
            if error is None or not isinstance(error, Exception):
                future.cancel()
            else:
                future.set_exception(error)
