"""Refund work orders against the database: R-1..R-9 decided and stored, R-13 due dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.calendar.service import add_working_days
from services.customers.models import CreditStanding, Tier
from services.errors import ErrorCode, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from services.refunds import approvals, changes, clock, execution
from services.refunds import service as refunds
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.refunds.policy import (
    BusinessType,
    ChargeCategory,
    Flow,
    Liability,
    Multiple,
    RefundMethod,
)
from services.staff.models import Role
from tests import factories as f


def cites(reasons, rule: str) -> bool:
    return any(rule in reason for reason in reasons)


async def new_customer(**kw):
    """On the network 100 days, normal credit: R-7(c) does not hold."""
    return await f.customer(joined_on=clock.local_date(clock.now()) - timedelta(days=100), **kw)


async def test_r1_a_refund_belongs_to_a_complaint_and_its_customer():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    refund = await f.refund(handler, complaint)

    assert (refund.complaint_id, refund.customer_id) == (complaint.id, complaint.customer_id)
    assert refund.requested_by_id == handler.id and refund.track == handler.track
    first = await RefundEvent.get(refund_id=refund.id)
    assert (first.action, first.from_status, first.to_status) == ("requested", "", refund.status)


async def test_r1_no_refund_without_a_complaint_or_by_someone_not_handling_it():
    handler, stranger = await f.staff(Role.HANDLER), await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(NotFound) as missing:
        await refunds.create_refund(
            actor=handler, complaint_id=999999, request=f.refund_request(), order=f.work_order()
        )
    with pytest.raises(PermissionDenied):
        await f.refund(stranger, complaint)

    assert missing.value.field == "complaintId"
    assert await Refund.all().count() == 0


async def test_r2_business_type_follows_the_charge_and_partner_refunds_name_the_sp():
    handler = await f.staff(Role.HANDLER)
    subscription = f.refund_request(
        liability=Liability.NOT_LIABLE, charge_category=ChargeCategory.UNKNOWING_SUBSCRIPTION
    )

    with pytest.raises(InvalidInput) as no_sp:
        await f.refund(handler, request=subscription)
    partner = await f.refund(handler, request=subscription, sp_code="901234")
    own = await f.refund(handler)

    assert (no_sp.value.code, no_sp.value.field) == (ErrorCode.REQUIRED, "spCode")
    assert (partner.business_type, partner.sp_code) == (BusinessType.PARTNER, "901234")
    assert own.business_type == BusinessType.SELF_OPERATED


async def test_r2_an_ambiguous_category_needs_the_handler_to_say_the_business():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(InvalidInput) as refused:
        await f.refund(handler, request=f.liable_request(5000, business_type=None))

    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUIRED, "businessType")


async def test_r3_a_not_liable_goodwill_refund_of_a_billing_error_is_single():
    handler = await f.staff(Role.HANDLER)

    refund = await f.refund(handler, request=f.refund_request(liability=Liability.NOT_LIABLE))

    assert (refund.liability, refund.multiple, refund.refund_fen) == (
        Liability.NOT_LIABLE,
        Multiple.SINGLE,
        1766,
    )


async def test_r4_r5_liable_billing_error_is_refunded_double_the_overcharge():
    handler = await f.staff(Role.HANDLER)

    refund = await f.refund(handler)  # charged 30.00, should have been 12.34

    assert (refund.charged_fen, refund.should_have_charged_fen) == (3000, 1234)
    assert (refund.overcharge_fen, refund.multiple, refund.refund_fen) == (
        1766,
        Multiple.DOUBLE,
        3532,
    )
    assert cites(refund.reasons, "R-4") and cites(refund.reasons, "R-5")


async def test_r4_liable_refund_that_is_not_a_billing_error_is_single():
    handler = await f.staff(Role.HANDLER)

    refund = await f.refund(handler, request=f.liable_request(5000))

    assert (refund.multiple, refund.refund_fen) == (Multiple.SINGLE, 5000)


async def test_r5_nothing_overcharged_means_no_refund_is_written():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(InvalidInput) as refused:
        await f.refund(handler, request=f.refund_request(should_have_charged_fen=3000))

    assert refused.value.field == "shouldHaveChargedFen"
    assert "R-5" in refused.value.message
    assert await Refund.all().count() == 0


async def test_r6_double_refund_is_never_cash_and_its_multiple_cannot_change():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(InvalidInput) as cash:
        await f.refund(
            handler,
            request=f.refund_request(method=RefundMethod.CASH, cash_exception_reason="客户坚持"),
        )
    with pytest.raises(InvalidInput) as single:
        await f.refund(handler, request=f.refund_request(multiple=Multiple.SINGLE))

    assert (cash.value.field, single.value.field) == ("method", "multiple")
    assert await Refund.all().count() == 0


async def test_r6_single_refund_in_cash_only_by_documented_exception():
    handler = await f.staff(Role.HANDLER)
    cash = f.liable_request(5000, method=RefundMethod.CASH)

    with pytest.raises(InvalidInput):
        await f.refund(handler, request=cash)
    refund = await f.refund(
        handler,
        request=f.liable_request(
            5000, method=RefundMethod.CASH, cash_exception_reason="账户已销户"
        ),
    )

    assert (refund.method, refund.cash_exception_reason) == (RefundMethod.CASH, "账户已销户")


async def test_r7c_long_tenure_good_credit_customer_is_refund_first():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)
    await f.refund(handler, cust=customer)  # a dispute this year already: R-7(d) no longer holds

    second = await f.refund(handler, cust=customer)

    assert (second.flow, second.flow_clause) == (Flow.REFUND_FIRST, "R-7(c)")
    assert second.status == RefundStatus.AWAITING_APPROVAL


async def test_r7d_first_fee_dispute_this_year_is_refund_first_and_the_second_is_not():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()

    first = await f.refund(handler, cust=customer)
    second = await f.refund(handler, cust=customer)

    assert (first.flow, first.flow_clause) == (Flow.REFUND_FIRST, "R-7(d)")
    assert (second.flow, second.flow_clause) == (Flow.VERIFY_FIRST, "R-8")


async def test_r7a_monternet_charge_not_settled_on_the_spot_is_refund_first():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)

    refund = await f.refund(
        handler,
        cust=customer,
        request=f.refund_request(is_monternet_or_own_vas=True, settled_on_spot=False),
    )

    assert (refund.flow, refund.flow_clause) == (Flow.REFUND_FIRST, "R-7(a)")


async def test_r7b_unexplained_hard_disputed_cause_is_refund_first():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)

    refund = await f.refund(
        handler, cust=customer, request=f.refund_request(cause_unexplained_and_disputed=True)
    )

    assert refund.flow_clause == "R-7(b)"


async def test_r8_everything_else_is_verified_first_within_3_working_days():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)

    refund = await f.refund(handler, cust=customer)

    assert (refund.flow, refund.status) == (Flow.VERIFY_FIRST, RefundStatus.VERIFYING)
    assert refund.verify_due_at == await add_working_days(refund.created_at, 3)


async def test_r9_special_customer_is_verify_first_though_r7c_holds():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)
    for _ in range(3):  # K-1: three counted refunds in the month
        await f.executed_refund(
            handler, await f.refund(handler, cust=customer, request=f.goodwill_request(500))
        )

    refund = await f.refund(handler, cust=customer)

    assert (refund.flow, refund.flow_clause) == (Flow.VERIFY_FIRST, "R-9")
    assert refund.special_customer and refund.status == RefundStatus.VERIFYING
    assert cites(refund.reasons, "R-9")


async def test_r11_verification_sets_the_amount_and_the_refund_goes_on_to_approval():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)
    refund = await f.refund(handler, cust=customer)

    verified = await changes.verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=changes.Verification(
            cause="重复话单",
            measures="修复计费",
            refund_due=True,
            liability=Liability.COMPANY_LIABLE,
            should_have_charged_fen=1000,
        ),
    )

    assert verified.status == RefundStatus.AWAITING_APPROVAL
    assert (verified.refund_fen, verified.verification_cause) == (4000, "重复话单")
    assert verified.verified_by_id == handler.id  # type: ignore[attr-defined]


async def test_r11_verification_finding_nothing_due_declines_the_refund():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)
    refund = await f.refund(handler, cust=customer)

    declined = await changes.verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=changes.Verification(
            cause="计费正确", measures="已解释", refund_due=False, liability=Liability.NOT_LIABLE
        ),
    )

    assert (declined.status, declined.closed_reason) == (RefundStatus.DECLINED, "计费正确")


async def test_r11_the_customer_confirms_the_amount_before_execution():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))

    with pytest.raises(IllegalTransition) as refused:
        await execution.execute(actor=handler, refund_id=refund.id)
    confirmed = await execution.confirm_amount(actor=handler, refund_id=refund.id, note="电话确认")

    assert (refused.value.current, refused.value.attempted) == ("awaiting_confirmation", "execute")
    assert (confirmed.status, confirmed.confirmation_note) == (RefundStatus.CONFIRMED, "电话确认")
    assert confirmed.confirmed_at is not None


async def test_r11_a_change_of_amount_after_approval_needs_a_new_approval():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.liable_request(5000))
    await approvals.approve(actor=await f.approver(1), refund_id=refund.id)

    changed = await changes.change_amount(
        actor=handler,
        refund_id=refund.id,
        charged_fen=30000,
        should_have_charged_fen=0,
        reason="核实后金额更正",
    )

    assert (changed.status, changed.band, changed.approval_round) == (
        RefundStatus.AWAITING_APPROVAL,
        2,
        2,
    )
    assert changed.approved_at is None
    event = await RefundEvent.filter(refund_id=refund.id).order_by("-id").first()
    assert event is not None and event.data == {"from_fen": 5000, "to_fen": 30000, "from_band": 1}


async def test_r13_vip_customer_is_verified_within_1_working_day():
    handler = await f.staff(Role.HANDLER)
    vip = await new_customer(tier=Tier.GOLD_AND_ABOVE)
    await f.refund(handler, cust=vip)

    refund = await f.refund(handler, cust=vip)

    assert refund.vip and refund.verify_due_at == await add_working_days(refund.created_at, 1)


async def test_r13_refund_first_is_due_48_hours_after_the_amount_is_confirmed():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))

    confirmed = await execution.confirm_amount(actor=handler, refund_id=refund.id)

    assert confirmed.execute_due_at == confirmed.confirmed_at + timedelta(hours=48)


async def test_r13_verify_first_is_due_3_working_days_after_the_amount_is_confirmed():
    handler = await f.staff(Role.HANDLER)
    customer = await new_customer()
    await f.refund(handler, cust=customer)
    refund = await f.refund(handler, cust=customer, request=f.goodwill_request(2000))
    await changes.verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=changes.Verification(
            cause="c", measures="m", refund_due=True, liability=Liability.NOT_LIABLE
        ),
    )
    await approvals.approve(actor=await f.approver(1), refund_id=refund.id)

    confirmed = await execution.confirm_amount(actor=handler, refund_id=refund.id)

    assert confirmed.execute_due_at == await add_working_days(confirmed.confirmed_at, 3)


async def test_r13_bill_adjustment_is_agreed_in_3_working_days_and_applied_on_next_bill():
    handler = await f.staff(Role.HANDLER)
    request = f.goodwill_request(
        2000, cause_unknown_on_spot=True, method=RefundMethod.BILL_ADJUSTMENT
    )
    refund = await f.refund(handler, request=request)

    confirmed = await execution.confirm_amount(actor=handler, refund_id=refund.id)

    assert refund.agree_due_at == await add_working_days(refund.created_at, 3)
    next_bill = clock.next_month_start(clock.local_date(confirmed.confirmed_at))
    assert confirmed.execute_due_at == clock.local_midnight(next_bill)
