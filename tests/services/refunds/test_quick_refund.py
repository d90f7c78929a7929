"""R-11 quick refund: the handler picks the disputed charges and the amount is computed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.errors import ErrorCode, InvalidInput
from services.refunds import clock, execution, policy, risk_profiles
from services.refunds import service as refunds
from services.refunds.models import Refund, RefundLine, RefundStatus
from services.refunds.policy import BusinessType, ChargeCategory, Flow, Liability, Multiple
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


async def test_r7a_a_50_yuan_company_liable_voice_charge_is_not_a_quick_refund():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput) as refused:
        await quick(
            handler,
            complaint,
            lines=[ChargeLine("3月话单 通话费", 5000)],
            charge_category=ChargeCategory.WRONG_TIME_BAND,  # voice billing, not Monternet
            liability=Liability.COMPANY_LIABLE,
        )

    assert (refused.value.code, refused.value.field) == (
        ErrorCode.QUICK_REFUND_NOT_ALLOWED,
        "chargeCategory",
    )
    assert "createRefund" in refused.value.message
    assert await Refund.all().count() == 0


async def test_r7a_the_voice_charge_goes_through_create_refund_by_its_own_rules():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="poor")
    await f.refund(handler, cust=customer)  # R-7(c) and (d) do not hold
    complaint = await f.complaint(handler, customer)

    refund = await refunds.create_refund(
        actor=handler,
        complaint_id=complaint.id,
        request=f.refund_request(
            charge_category=ChargeCategory.WRONG_TIME_BAND,
            charged_fen=5000,
            should_have_charged_fen=3000,
        ),
        order=f.work_order(matter="通话计费"),
    )

    assert (refund.flow, refund.flow_clause) == (Flow.VERIFY_FIRST, "R-8")  # not R-7(a)
    assert (refund.refund_fen, refund.multiple) == (4000, Multiple.DOUBLE)  # 2 x 20.00, not 100


async def test_r5_a_quick_refund_of_a_liable_information_fee_error_is_twice_the_overcharge():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    refund = await quick(
        handler,
        complaint,
        charge_category=ChargeCategory.INFORMATION_FEE_ERROR,
        liability=Liability.COMPANY_LIABLE,
        should_have_charged_fen=1000,
    )

    assert (refund.charged_fen, refund.should_have_charged_fen) == (1500, 1000)
    assert (refund.refund_fen, refund.multiple) == (1000, Multiple.DOUBLE)
    assert refund.flow_clause == "R-7(a)"


async def test_r5_a_quick_refund_refunds_the_overcharge_once_when_not_liable():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    refund = await quick(
        handler,
        complaint,
        charge_category=ChargeCategory.VAS_COUNT_OR_CHANNEL_ERROR,
        should_have_charged_fen=400,
    )

    assert (refund.refund_fen, refund.multiple) == (1100, Multiple.SINGLE)


async def test_r5_a_quick_refund_with_nothing_overcharged_is_refused():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput) as refused:
        await quick(handler, complaint, should_have_charged_fen=1500)

    assert refused.value.field == "shouldHaveChargedFen" and "R-5" in refused.value.message
    assert await Refund.all().count() == 0


async def test_r7a_an_unusable_service_is_quick_only_when_its_charges_name_it():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    unnamed = [ChargeLine("功能费", 800)]

    with pytest.raises(InvalidInput) as refused:
        await quick(
            handler, complaint, lines=unnamed, charge_category=ChargeCategory.SERVICE_UNUSABLE
        )
    refund = await quick(handler, complaint, charge_category=ChargeCategory.SERVICE_UNUSABLE)

    assert refused.value.code == ErrorCode.QUICK_REFUND_NOT_ALLOWED
    assert (refund.flow_clause, refund.sp_code) == ("R-7(a)", "901234")


def test_r7a_quick_refund_allowed_for_value_added_charges_only():
    allowed = {
        category
        for category in ChargeCategory
        if policy.quick_refund_allowed(charge_category=category, names_a_service=False).allowed
    }

    assert allowed == {
        ChargeCategory.UNKNOWING_SUBSCRIPTION,
        ChargeCategory.INFORMATION_FEE_ERROR,
        ChargeCategory.VAS_COUNT_OR_CHANNEL_ERROR,
        ChargeCategory.MMS_GPRS_TRAFFIC,
    }
