"""Partner limits: a request rate per API key and a daily dispute cap per partner.

Both numbers are thresholds (admin-tunable, versioned, in the database). The rate limit is a
token bucket behind `RateLimiter`: the API implements it in Redis (shared by every process,
graphql_schema/partners/ratelimit.py); `InProcessRateLimiter` is the stand-in where no Redis
is wired. The daily cap is counted in PostgreSQL: one row per partner and operator day,
incremented by a single conditional upsert before the dispute's transaction (so partners'
disputes never queue behind one counter row) and given back when the dispute is not created.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from tortoise import connections

from services.errors import DomainError, ErrorCode, InvalidInput
from services.refunds import clock
from services.thresholds import service as thresholds

RATE_LIMIT = "partners.rate_limit"
DAILY_DISPUTE_CAP = "partners.daily_dispute_cap"


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after_seconds: float):
        self.retry_after_seconds = max(1, int(retry_after_seconds + 0.999))
        super().__init__(
            f"Too many requests with this API key; retry after {self.retry_after_seconds} s."
        )


class LimitExceeded(DomainError):
    code = ErrorCode.LIMIT_EXCEEDED

    def __init__(self, limit: int, resets_at: datetime):
        self.limit = limit
        self.resets_at = resets_at
        super().__init__(
            f"Your daily cap of {limit} disputes is reached; it resets at {resets_at.isoformat()}."
        )


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


class RateLimiter(Protocol):
    async def acquire(self, bucket: str, rate: Rate) -> float:
        """Take one token: 0 if allowed, else the seconds until one is available."""
        ...


class InProcessRateLimiter:
    """A token bucket per bucket name in this process only."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    async def acquire(self, bucket: str, rate: Rate) -> float:
        now = time.monotonic()
        tokens, at = self._buckets.get(bucket, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
        if tokens < 1:
            self._buckets[bucket] = (tokens, now)
            return (1 - tokens) / rate.per_second
        self._buckets[bucket] = (tokens - 1, now)
        return 0.0


def _rate(value: Any) -> None:
    if (
        not isinstance(value, dict)
        or set(value) != {"per_second", "burst"}
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values())
    ):
        raise InvalidInput(
            'The rate limit is {"per_second": N, "burst": M}, whole numbers above zero.',
            field="value",
        )


thresholds.register(
    RATE_LIMIT,
    {"per_second": 20, "burst": 40},
    "Partner API: requests per second per API key, and the burst allowed above it.",
    _rate,
)
thresholds.register(
    DAILY_DISPUTE_CAP,
    1000,
    "Partner API: disputes one partner may submit per operator day.",
    thresholds.positive_int,
)


async def rate() -> Rate:
    value = await thresholds.current(RATE_LIMIT)
    return Rate(per_second=float(value["per_second"]), burst=int(value["burst"]))


async def check_rate(limiter: RateLimiter, *, key_id: int) -> None:
    """RateLimited when this key is over its rate."""
    wait = await limiter.acquire(f"partner-key:{key_id}", await rate())
    if wait > 0:
        raise RateLimited(wait)


def operator_day(at: datetime) -> date:
    return clock.local_date(at)


async def reserve_dispute(partner_id: int, *, at: datetime) -> date:
    """Count one dispute against today's cap, or LimitExceeded; returns the day counted on."""
    cap = int(await thresholds.current(DAILY_DISPUTE_CAP))
    day = operator_day(at)
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO partner_daily_usage (partner_id, day, disputes) VALUES ($1, $2, 1) "
        "ON CONFLICT (partner_id, day) DO UPDATE "
        "SET disputes = partner_daily_usage.disputes + 1 "
        "WHERE partner_daily_usage.disputes < $3 RETURNING disputes",
        [partner_id, day, cap],
    )
    if not rows:
        raise LimitExceeded(cap, clock.local_midnight(day + timedelta(days=1)))
    return day


async def release_dispute(partner_id: int, day: date) -> None:
    """Give back a reserved count: the dispute was not created (or was a replay)."""
    await connections.get("default").execute_query(
        "UPDATE partner_daily_usage SET disputes = disputes - 1 "
        "WHERE partner_id = $1 AND day = $2 AND disputes > 0",
        [partner_id, day],
    )
