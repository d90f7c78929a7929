"""K-3 under concurrency (issue 14): an execution locks the customer's K-1 profile in one
statement and reads the customer's refunds in the next, so executions of one customer's
refunds at once still take turns and each sees those before it."""

from __future__ import annotations

import asyncio

from tortoise.transactions import in_transaction

from services.refunds import clock, execution
from services.refunds.models import Refund, RefundEvent, RiskProfile
from services.staff.models import Role
from tests import factories as f


async def test_k3_three_refunds_of_one_customer_executed_at_once_make_it_special():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="good")
    complaint = await f.complaint(handler, customer)
    refunds = [
        await f.confirmed_refund(
            handler, await f.refund(handler, complaint, f.goodwill_request(2000)), note=""
        )
        for _ in range(3)
    ]
    # a stored profile already (not special): only its row lock makes them take turns
    await RiskProfile.create(customer_id=customer.id, computed_on=clock.local_date(clock.now()))

    locked, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:  # the three start together: each waits for its refund's lock
        async with in_transaction():
            await Refund.filter(id__in=[r.id for r in refunds]).select_for_update()
            locked.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await locked.wait()
    running = [
        asyncio.create_task(execution.execute(actor=handler, refund_id=r.id)) for r in refunds
    ]
    await asyncio.sleep(0.2)
    release.set()
    await asyncio.gather(holder, *running)

    profile = await RiskProfile.get(customer_id=customer.id)
    assert profile.special  # K-1: three counted refunds in one month
    seen = await RefundEvent.filter(
        refund_id__in=[r.id for r in refunds], action="executed"
    ).values_list("data", flat=True)
    # the third to take the profile's lock saw the other two: it made the customer special
    assert sorted(d["special_customer"] for d in seen) == [False, False, True]
