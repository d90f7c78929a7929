"""R-11 quick refund: the handler picks the disputed charges and the amount is computed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.errors import ErrorCode, InvalidInput
from services.refunds import clock, execution, risk_profiles
from services.refunds import service as refunds
from services.refunds.models import Refund, RefundLine, RefundStatus
from services.refunds.policy import BusinessType, Flow
from services.refunds.service import ChargeLine
from services.staff.models import Role
from tests import factories as f

LINES = [
    ChargeLine("手机视频包月 10 月", 1000, service_code="VIDEO", sp_code="901234"),
    ChargeLine("手机视频点播", 500, service_code="VIDEO", sp_code="901234"),
]


async def quick(handler, complaint, lines=LINES, **kw):
    return await refunds.quick_refund(
        actor=handler, complaint_id=complaint.id, lines=lines, matter="手机视频业务扣费", **kw
    )


async def test_r11_quick_refund_sums_the_picked_charges_and_refunds_first():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(joined_on=clock.local_date(clock.now()) - timedelta(days=30))
    await f.refund(handler, cust=customer)  # R-7(c) and (d) do not hold: only (a) can
    complaint = await f.complaint(handler, customer)

    refund = await quick(handler, complaint)

    assert (refund.quick, refund.charged_fen, refund.refund_fen) == (True, 1500, 1500)
    assert (refund.flow, refund.flow_clause) == (Flow.REFUND_FIRST, "R-7(a)")
    assert (refund.business_type, refund.sp_code) == (BusinessType.PARTNER, "901234")
    lines = await RefundLine.filter(refund_id=refund.id).order_by("id")
    assert [(x.description, x.charged_fen) for x in lines] == [
        ("手机视频包月 10 月", 1000),
        ("手机视频点播", 500),
    ]


async def test_r11_r12_a_first_quick_refund_up_to_20_yuan_is_refunded_on_the_spot():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    refund = await quick(handler, complaint)
    await execution.confirm_amount(actor=handler, refund_id=refund.id)
    done = await execution.execute(actor=handler, refund_id=refund.id)

    assert (refund.band, refund.status) == (0, RefundStatus.AWAITING_CONFIRMATION)
    assert done.status == RefundStatus.EXECUTED


async def test_r9_a_special_customers_quick_refund_is_verified_first():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="good")
    for _ in range(3):
        await f.executed_refund(
            handler, await f.refund(handler, cust=customer, request=f.goodwill_request(500))
        )
    assert (await risk_profiles.current(customer)).special

    refund = await quick(handler, await f.complaint(handler, customer))

    assert (refund.flow_clause, refund.status) == ("R-9", RefundStatus.VERIFYING)


async def test_r11_a_quick_refund_needs_picked_charges_of_at_least_one_fen():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput) as none_picked:
        await quick(handler, complaint, lines=[])
    with pytest.raises(InvalidInput) as zero:
        await quick(handler, complaint, lines=[ChargeLine("x", 0), ChargeLine("y", 100)])

    assert (none_picked.value.code, none_picked.value.field) == (ErrorCode.REQUIRED, "lines")
    assert [p.field for p in zero.value.problems] == ["lines[0].chargedFen"]
    assert await Refund.all().count() == 0
