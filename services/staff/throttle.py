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

A key forgets its failures an hour after the last one. An attempt is counted *before* the
password is checked (`begin`, rows locked while deciding) and given back when the password was
right (`forgive`), so a burst of parallel requests cannot slip past the limit while the first
ones are still being verified. Times are wall time (security time, not the domain clock).
Behind a reverse proxy the address is the proxy's unless uvicorn runs with --proxy-headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from services.errors import DomainError, ErrorCode
from services.staff.models import KnownLoginAddress, LoginCounter

_KEY_MAX = 100
FORGET_AFTER = timedelta(hours=1)
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


def account_key(username: str) -> str:
    """Usernames compare case-insensitively here, so `Admin` and `admin` share a counter."""
    return f"user:{username.strip().casefold()}"[:_KEY_MAX]


async def begin(*, address: str, username: str | None, known_address: bool) -> Attempt:
    """Count one attempt, or raise LoginThrottled (nothing counted) while a key holds it back.

    `username` is None when it cannot name an account (too long, unprintable): only the
    address counts. `known_address`: the account has logged in from this address before.
    """
    keys = {address_key(address): ADDRESS}
    if username is not None:
        keys[account_key(username)] = ACCOUNT
    now = wall_now()
    async with in_transaction():
        await LoginCounter.bulk_create(
            [LoginCounter(key=key, failures=0, last_failure_at=now) for key in keys],
            ignore_conflicts=True,
        )
        rows = await LoginCounter.filter(key__in=list(keys)).order_by("key").select_for_update()
        wait = 0.0
        for row in rows:
            if row.last_failure_at < now - FORGET_AFTER:
                row.failures, row.locked_until = 0, None
            binding = keys[row.key] is ADDRESS or not known_address
            if binding and row.locked_until is not None and row.locked_until > now:
                wait = max(wait, (row.locked_until - now).total_seconds())
        if wait > 0:
            raise LoginThrottled(wait)
        for row in rows:
            row.failures += 1
            row.last_failure_at = now
            lock = keys[row.key].lock_for(row.failures)
            row.locked_until = now + lock if lock else None
            await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return Attempt(keys=keys)


async def forgive(attempt: Attempt, *, staff_id: int, address: str) -> None:
    """The password was right: take the attempt back and remember the address as good."""
    now = wall_now()
    async with in_transaction():
        counters = LoginCounter.filter(key__in=list(attempt.keys)).order_by("key")
        rows = await counters.select_for_update()
        for row in rows:
            row.failures = max(0, row.failures - 1)
            if row.failures < attempt.keys[row.key].free:
                row.locked_until = None
            await row.save(update_fields=["failures", "locked_until"])
    await KnownLoginAddress.bulk_create(
        [KnownLoginAddress(staff_id=staff_id, address=address[:64], last_success_at=now)],
        on_conflict=["staff_id", "address"],
        update_fields=["last_success_at"],
    )
    await LoginCounter.filter(last_failure_at__lt=now - FORGET_AFTER).delete()
    await KnownLoginAddress.filter(last_success_at__lt=now - KNOWN_ADDRESS_KEPT).delete()


async def is_known_address(*, staff_id: int, address: str) -> bool:
    return await KnownLoginAddress.exists(staff_id=staff_id, address=address[:64])
