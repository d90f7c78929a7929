"""The demo data has a refund in every state, made through the use cases."""

from __future__ import annotations

from services import demo
from services.customers.models import Customer
from services.refunds import risk_profiles
from services.refunds.models import Refund, RefundStatus


async def test_demo_has_a_refund_in_every_state_and_a_special_customer():
    assert await demo.load_once()

    statuses = set(await Refund.all().distinct().values_list("status", flat=True))
    special = await Customer.get(msisdn="15800158000")

    assert statuses == {s.value for s in RefundStatus}
    assert (await risk_profiles.current(special)).special
