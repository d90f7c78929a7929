"""Every partner submission carries a key scoped to the partner: it runs once."""

from __future__ import annotations

import asyncio

import pytest

from services.complaints.models import Complaint
from services.errors import ErrorCode, InvalidInput
from services.partners import disputes
from services.partners.models import PartnerDailyUsage, PartnerDispute
from services.refunds.models import Refund
from tests import factories as f


async def submit(partner, sub, key):
    return await disputes.submit(partner_id=partner.id, submission=sub, idempotency_key=key)


async def test_the_same_key_and_input_answer_with_the_first_dispute():
    partner = await f.partner()
    customer = await f.customer()

    first = await submit(partner, f.submission(customer.msisdn), "order-77")
    again = await submit(partner, f.submission(customer.msisdn), "order-77")

    assert again.id == first.id and again.public_id == first.public_id
    assert await PartnerDispute.all().count() == 1
    assert (await PartnerDailyUsage.get(partner_id=partner.id)).disputes == 1


async def test_the_same_key_with_another_input_is_a_typed_error():
    partner = await f.partner()
    customer = await f.customer()
    await submit(partner, f.submission(customer.msisdn), "order-77")

    with pytest.raises(InvalidInput) as mismatch:
        await submit(partner, f.submission(customer.msisdn, description="另一件事"), "order-77")

    assert (mismatch.value.code, mismatch.value.field) == (
        ErrorCode.IDEMPOTENCY_MISMATCH,
        "idempotencyKey",
    )
    assert await PartnerDispute.all().count() == 1


async def test_keys_are_scoped_per_partner():
    a, b = await f.partner(), await f.partner()
    customer = await f.customer()

    mine = await submit(a, f.submission(customer.msisdn), "same-key")
    theirs = await submit(b, f.submission(customer.msisdn, description="不同"), "same-key")

    assert mine.id != theirs.id and await PartnerDispute.all().count() == 2


async def test_twenty_concurrent_duplicates_make_one_dispute():
    partner = await f.partner()
    customer = await f.customer()

    results = await asyncio.gather(
        *(submit(partner, f.submission(customer.msisdn), "burst") for _ in range(20))
    )

    # the worker's job, run as often as the duplicates queued it, opens one complaint
    await asyncio.gather(*(disputes.open_dispute(r.id) for r in results))

    assert {r.id for r in results} == {results[0].id}
    assert await PartnerDispute.all().count() == 1
    assert await Complaint.all().count() == 1 and await Refund.all().count() == 1
    assert (await PartnerDailyUsage.get(partner_id=partner.id)).disputes == 1  # 19 given back


async def test_a_refused_submission_does_not_use_up_its_key_or_the_cap():
    partner = await f.partner()
    customer = await f.customer()

    with pytest.raises(InvalidInput):
        await submit(partner, f.submission("13900000000x"), "k")
    dispute = await submit(partner, f.submission(customer.msisdn), "k")

    assert dispute.id is not None
    assert (await PartnerDailyUsage.get(partner_id=partner.id)).disputes == 1


async def test_a_key_is_required():
    partner = await f.partner()
    customer = await f.customer()

    with pytest.raises(InvalidInput) as missing:
        await submit(partner, f.submission(customer.msisdn), "  ")

    assert (missing.value.code, missing.value.field) == (ErrorCode.REQUIRED, "idempotencyKey")
