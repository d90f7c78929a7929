"""Login throttling, one set of counters for GraphQL `login`, `changePassword` and the console.

The counters are rows in PostgreSQL (`login_counters`), so every API process and both doors
share them: an address or account slowed in the console is slowed in GraphQL too. Each attempt
counts against two keys, with exponential back-off once a key's free failures are used up:

- the client address (`addr:<ip>`): 5 failures free, then locked 15 s, doubling with every
  further failure up to 15 minutes. Forty wrong passwords from one address buy five guesses;
  the right password on the forty-first is refused until the lock ends.
- the account (`user:<name>`): 10 failures free (from any addresses together), then locked 5 s,
  doubling up to 60 s, and this lock holds only addresses the account has never logged in
  from. So an outsider cannot lock a named account out: their failures lock their own address,
  hold other unknown addresses back at most a minute, and never stop the owner logging in from
  an address with a good history (only that address's own counter can).

A key forgets its failures an hour after the last one. An attempt is reserved *before* the
password is checked (`begin`, rows locked while deciding): it is counted in flight
(`flying:<key>`) and becomes a failure only if the password was wrong (`fail`; `forgive` when
it was right). While the failures plus the attempts in flight reach a key's free failures, a
new attempt waits for those in flight instead of being refused. So a burst of parallel guesses
still reaches the password check only as often as the key has free failures (the rest find the
key locked when they stop waiting), and an office behind one NAT address, its staff all
logging in at 9:00, is served a few at a time, never refused for being many. Times are wall
time (security time, not the domain clock).
Behind a reverse proxy the address is the proxy's unless uvicorn runs with --proxy-headers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from services.errors import DomainError, ErrorCode
from services.staff.models import KnownLoginAddress, LoginCounter

_KEY_MAX = 100
FORGET_AFTER = timedelta(hours=1)
# how long an attempt waits for those in flight before it is told to retry in 1 s (inside the
# API's 10 s request deadline); an attempt in flight this long ago died with its request
WAIT_FOR_IN_FLIGHT = timedelta(seconds=8)
IN_FLIGHT_STALE = timedelta(minutes=1)
_FIRST_PAUSE, _MAX_PAUSE = 0.02, 0.2
KNOWN_ADDRESS_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class BackOff:
    free: int
    first_lock: timedelta
    max_lock: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        """How long a key stays locked after its `failures`-th failure (None: not locked)."""
        if failures < self.free:
            return None
        doublings = min(failures - self.free, 30)
        return min(self.first_lock * 2**doublings, self.max_lock)


ADDRESS = BackOff(free=5, first_lock=timedelta(seconds=15), max_lock=timedelta(minutes=15))
ACCOUNT = BackOff(free=10, first_lock=timedelta(seconds=5), max_lock=timedelta(seconds=60))


class LoginThrottled(DomainError):
    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after_seconds: float):
        self.retry_after_seconds = max(1, int(retry_after_seconds + 0.999))
        super().__init__(f"Too many failed logins; try again in {self.retry_after_seconds} s.")


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: the keys it was counted against, with their back-off."""

    keys: dict[str, BackOff]


def wall_now() -> datetime:
    return datetime.now(UTC)


def address_key(address: str) -> str:
    return f"addr:{address}"[:_KEY_MAX]


def in_flight_key(key: str) -> str:
    """The counter of `key`'s attempts whose password is being checked now."""
    return f"flying:{key}"[:_KEY_MAX]


def account_key(username: str) -> str:
    """Usernames compare case-insensitively here, so `Admin` and `admin` share a counter."""
    return f"user:{username.strip().casefold()}"[:_KEY_MAX]


async def begin(*, address: str, username: str | None, known_address: bool) -> Attempt:
    """Reserve one attempt, or raise LoginThrottled (nothing counted) while a key is locked.

    `username` is None when it cannot name an account (too long, unprintable): only the
    address counts. `known_address`: the account has logged in from this address before.
    While the attempts in flight could use up a key's free failures, this one waits for them
    (at most `WAIT_FOR_IN_FLIGHT`): if they were right it goes ahead, if they were wrong the
    key is locked by then and it is throttled.
    """
    keys = {address_key(address): ADDRESS}
    if username is not None:
        keys[account_key(username)] = ACCOUNT
    give_up, pause = time.monotonic() + WAIT_FOR_IN_FLIGHT.total_seconds(), _FIRST_PAUSE
    while True:
        wait = await _reserve(keys, known_address=known_address)
        if wait is None:
            return Attempt(keys=keys)
        if wait > 0:
            raise LoginThrottled(wait)
        if time.monotonic() >= give_up:  # those in flight are slow: try again soon
            raise LoginThrottled(1)
        await asyncio.sleep(pause)
        pause = min(pause * 2, _MAX_PAUSE)


async def _reserve(keys: dict[str, BackOff], *, known_address: bool) -> float | None:
    """None: reserved (counted in flight); > 0: seconds a lock holds it back; 0: wait for the
    attempts in flight."""
    now = wall_now()
    pending = {in_flight_key(key): key for key in keys}
    async with in_transaction():
        await LoginCounter.bulk_create(
            [LoginCounter(key=key, failures=0, last_failure_at=now) for key in [*keys, *pending]],
            ignore_conflicts=True,
        )
        locked = LoginCounter.filter(key__in=[*keys, *pending]).order_by("key")
        rows = {row.key: row for row in await locked.select_for_update()}
        wait, busy = 0.0, False
        for key, backoff in keys.items():
            row, flying = rows[key], rows[in_flight_key(key)]
            if row.last_failure_at < now - FORGET_AFTER:
                row.failures, row.locked_until = 0, None
            if flying.last_failure_at < now - IN_FLIGHT_STALE:  # its requests died
                flying.failures = 0
            if backoff is ACCOUNT and known_address:
                continue  # the account's lock does not hold a known address back
            if row.locked_until is not None and row.locked_until > now:
                wait = max(wait, (row.locked_until - now).total_seconds())
            elif flying.failures >= max(backoff.free - row.failures, 1):
                # if all in flight were wrong, this one would be one too many (past a lock,
                # one attempt at a time: its failure locks the key again)
                busy = True
        if wait > 0:
            return wait
        if busy:
            return 0.0
        for key in pending:
            rows[key].failures += 1
            rows[key].last_failure_at = now
            await rows[key].save(update_fields=["failures", "last_failure_at"])
    return None


async def _land(attempt: Attempt, *, failed: bool) -> None:
    """The attempt is over: no longer in flight; if `failed`, one failure more (and a lock
    once the free failures are used up)."""
    now = wall_now()
    pending = [in_flight_key(key) for key in attempt.keys]
    keys = [*attempt.keys, *pending] if failed else pending
    async with in_transaction():
        counters = LoginCounter.filter(key__in=keys).order_by("key")
        for row in await counters.select_for_update():
            if row.key in attempt.keys:
                if row.last_failure_at < now - FORGET_AFTER:
                    row.failures, row.locked_until = 0, None
                row.failures += 1
                row.last_failure_at = now
                lock = attempt.keys[row.key].lock_for(row.failures)
                row.locked_until = now + lock if lock else None
                await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
            else:
                row.failures = max(0, row.failures - 1)
                row.last_failure_at = now
                await row.save(update_fields=["failures", "last_failure_at"])


async def fail(attempt: Attempt) -> None:
    """The password was wrong (or its check never finished): one failure on every key."""
    await _land(attempt, failed=True)


async def forgive(attempt: Attempt, *, staff_id: int, address: str) -> None:
    """The password was right: the attempt counts for nothing, and the address is good."""
    now = wall_now()
    await _land(attempt, failed=False)
    await KnownLoginAddress.bulk_create(
        [KnownLoginAddress(staff_id=staff_id, address=address[:64], last_success_at=now)],
        on_conflict=["staff_id", "address"],
        update_fields=["last_success_at"],
    )
    await LoginCounter.filter(last_failure_at__lt=now - FORGET_AFTER).delete()
    await KnownLoginAddress.filter(last_success_at__lt=now - KNOWN_ADDRESS_KEPT).delete()


async def is_known_address(*, staff_id: int, address: str) -> bool:
    return await KnownLoginAddress.exists(staff_id=staff_id, address=address[:64])
