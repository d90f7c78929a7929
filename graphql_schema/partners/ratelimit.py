"""The partner rate limit in Redis: one token bucket per API key, shared by every process.

GCRA (the generic cell rate algorithm): one key per bucket holds the "theoretical arrival
time"; a Lua script reads Redis's clock and decides atomically, so no two API processes can
both take the last token. The key expires once the bucket would be full again.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.partners.limits import Rate

log = logging.getLogger(__name__)

_GCRA = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return math.ceil(allow_at - now)
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(interval * burst) + 1000)
return 0
"""


class RedisRateLimiter:
    """`services.partners.limits.RateLimiter` on Redis; the client is made on first use."""

    def __init__(self, url: str):
        self._url = url
        self._client: Redis | None = None
        self._script: object | None = None

    def _ready(self) -> tuple[Redis, object]:
        if self._client is None:
            self._client = Redis.from_url(self._url)
            self._script = self._client.register_script(_GCRA)
        assert self._script is not None
        return self._client, self._script

    async def acquire(self, bucket: str, rate: Rate) -> float:
        """0 when allowed, else seconds to wait. Redis down: allowed (the daily cap still
        holds in PostgreSQL), and logged."""
        _, script = self._ready()
        interval_ms = 1000.0 / rate.per_second
        try:
            wait_ms = await script(  # type: ignore[operator]
                keys=[f"tousu:ratelimit:{bucket}"], args=[interval_ms, rate.burst]
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable, allowing the request: %s", exc)
            return 0.0
        return float(wait_ms) / 1000.0

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._script = None
