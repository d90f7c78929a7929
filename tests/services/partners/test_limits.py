"""Partner limits: the daily dispute cap (PostgreSQL) and the per-key token bucket."""

from __future__ import annotations

import pytest

from services.errors import ErrorCode
from services.partners import disputes, limits
from services.partners.limits import InProcessRateLimiter, LimitExceeded, Rate, RateLimited
from services.partners.models import PartnerDispute
from services.thresholds import service as thresholds
from tests import factories as f


async def submit(partner, sub, key):
    return await disputes.submit(partner_id=partner.id, submission=sub, idempotency_key=key)


async def test_the_daily_cap_refuses_the_next_dispute_but_still_replays_a_key():
    await thresholds.change(
        key=limits.DAILY_DISPUTE_CAP, value=2, reason="试点", changed_by_id=None
    )
    partner, other = await f.partner(), await f.partner()
    customer = await f.customer()
    first = await submit(partner, f.submission(customer.msisdn), "1")
    await submit(partner, f.submission(customer.msisdn, description="第二单"), "2")

    with pytest.raises(LimitExceeded) as capped:
        await submit(partner, f.submission(customer.msisdn, description="第三单"), "3")
    replayed = await submit(partner, f.submission(customer.msisdn), "1")
    elsewhere = await submit(other, f.submission(customer.msisdn), "1")

    assert (capped.value.code, capped.value.limit) == (ErrorCode.LIMIT_EXCEEDED, 2)
    assert capped.value.resets_at > first.created_at
    assert replayed.id == first.id and elsewhere.partner_id == other.id  # the cap is per partner
    assert await PartnerDispute.filter(partner_id=partner.id).count() == 2


async def test_the_rate_limit_allows_the_burst_then_asks_to_wait():
    limiter = InProcessRateLimiter()
    rate = Rate(per_second=1, burst=3)

    waits = [await limiter.acquire("k", rate) for _ in range(4)]

    assert waits[:3] == [0, 0, 0] and 0 < waits[3] <= 1


async def test_check_rate_is_a_typed_refusal_with_a_retry_hint():
    await thresholds.change(
        key=limits.RATE_LIMIT,
        value={"per_second": 1, "burst": 1},
        reason="测试",
        changed_by_id=None,
    )
    limiter = InProcessRateLimiter()
    await limits.check_rate(limiter, key_id=1)

    with pytest.raises(RateLimited) as limited:
        await limits.check_rate(limiter, key_id=1)
    await limits.check_rate(limiter, key_id=2)  # per key

    assert (limited.value.code, limited.value.retry_after_seconds) == (ErrorCode.RATE_LIMITED, 1)
