"""K-1..K-4 against the database: the special-customer list kept current by execution."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from services import clock as domain_clock
from services.customers.models import CreditStanding, CustomerStatus
from services.refunds import changes, policy, risk_profiles
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.refunds.policy import Flow, Liability
from services.staff.models import Role
from tests import factories as f


def travel_to(monkeypatch, day: date) -> datetime:
    moment = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Beijing
    monkeypatch.setattr(domain_clock, "now", lambda: moment)
    return moment


async def setup():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)
    return handler, customer


async def refund_on(monkeypatch, handler, customer, day: date, request=None):
    travel_to(monkeypatch, day)
    refund = await f.refund(handler, cust=customer, request=request or f.goodwill_request(500))
    return await f.executed_refund(handler, refund)


async def test_k1_third_goodwill_refund_in_a_month_makes_the_customer_special(monkeypatch):
    handler, customer = await setup()
    for day in (2, 9, 20):
        await refund_on(monkeypatch, handler, customer, date(2024, 3, day))

    profile = await risk_profiles.current(customer, today=date(2024, 3, 25))

    assert (profile.special, profile.since, profile.leaves_on) == (
        True,
        date(2024, 3, 20),
        date(2024, 7, 1),
    )
    assert profile.triggered_by == ("count_in_month",)
    assert profile.trigger_figures == policy.RiskFigures(date(2024, 3, 20), 3, 1500, 1500)
    assert any("special customer since 2024-03-20" in r for r in profile.reasons)


async def test_k1_100_yuan_in_the_month_makes_special_and_99_99_does_not(monkeypatch):
    handler, customer = await setup()
    other = await f.customer(credit_standing=CreditStanding.GOOD)
    await refund_on(monkeypatch, handler, customer, date(2024, 5, 3), f.goodwill_request(6000))
    await refund_on(monkeypatch, handler, customer, date(2024, 5, 8), f.goodwill_request(4000))
    await refund_on(monkeypatch, handler, other, date(2024, 5, 3), f.goodwill_request(6000))
    await refund_on(monkeypatch, handler, other, date(2024, 5, 8), f.goodwill_request(3999))

    at_100 = await risk_profiles.current(customer, today=date(2024, 5, 9))
    at_99_99 = await risk_profiles.current(other, today=date(2024, 5, 9))

    assert at_100.special and "month_sum" in at_100.triggered_by
    assert not at_99_99.special and at_99_99.current.month_sum_fen == 9999


async def test_k1_100_yuan_over_this_month_and_the_two_before_makes_special(monkeypatch):
    handler, customer = await setup()
    await refund_on(monkeypatch, handler, customer, date(2024, 1, 2), f.goodwill_request(6000))
    await refund_on(monkeypatch, handler, customer, date(2024, 3, 20), f.goodwill_request(4000))

    profile = await risk_profiles.current(customer, today=date(2024, 3, 21))

    assert (profile.special, profile.triggered_by) == (True, ("three_month_sum",))


async def test_k1_company_liable_and_border_roaming_refunds_do_not_count(monkeypatch):
    handler, customer = await setup()
    for day in (1, 2, 3):
        await refund_on(monkeypatch, handler, customer, date(2024, 3, day), f.liable_request(50000))
    for day in (4, 5, 6):
        roaming = f.goodwill_request(5000)
        travel_to(monkeypatch, date(2024, 3, day))
        refund = await f.refund(handler, cust=customer, request=roaming, border_roaming=True)
        await f.executed_refund(handler, refund)

    profile = await risk_profiles.current(customer, today=date(2024, 3, 31))

    assert not profile.special
    assert profile.current == policy.RiskFigures(date(2024, 3, 31), 0, 0, 0)
    assert any(
        "6 refund(s) not counted" in r and "3 of them border roaming" in r for r in profile.reasons
    )


async def test_k2_special_customer_leaves_after_three_refund_free_months(monkeypatch):
    handler, customer = await setup()
    for day in (5, 10, 15):
        await refund_on(monkeypatch, handler, customer, date(2024, 1, day))

    still = await risk_profiles.current(customer, today=date(2024, 4, 30))
    left = await risk_profiles.current(customer, today=date(2024, 5, 1))
    travel_to(monkeypatch, date(2024, 5, 2))
    next_refund = await f.refund(handler, cust=customer)

    assert (still.special, still.leaves_on) == (True, date(2024, 5, 1))
    assert (left.special, left.left_on) == (False, date(2024, 5, 1))
    assert any("K-2: left the special-customer list on 2024-05-01" in r for r in left.reasons)
    assert next_refund.flow is Flow.REFUND_FIRST and not next_refund.special_customer


async def test_k2_a_cancelled_number_leaves_the_list_at_once(monkeypatch):
    handler, customer = await setup()
    for day in (5, 10, 15):
        await refund_on(monkeypatch, handler, customer, date(2024, 1, day))

    customer.status = CustomerStatus.CANCELLED
    customer.cancelled_on = date(2024, 1, 20)
    await customer.save()
    profile = await risk_profiles.current(customer, today=date(2024, 1, 21))

    assert (profile.special, profile.cancelled) == (False, True)
    assert any("K-2: the number is cancelled" in r for r in profile.reasons)


async def test_k2_a_counted_refund_before_the_exit_keeps_the_customer_on_the_list(monkeypatch):
    handler, customer = await setup()
    travel_to(monkeypatch, date(2024, 1, 3))
    late = await f.refund(handler, cust=customer, request=f.goodwill_request(100))  # refund first
    for day in (5, 10, 15):
        await refund_on(monkeypatch, handler, customer, date(2024, 1, day))
    travel_to(monkeypatch, date(2024, 3, 10))
    await f.executed_refund(handler, late)  # executed in March: counts then

    profile = await risk_profiles.current(customer, today=date(2024, 6, 30))

    assert (profile.special, profile.since, profile.leaves_on) == (
        True,
        date(2024, 1, 15),
        date(2024, 7, 1),
    )


async def test_k3_the_refund_that_makes_the_customer_special_already_sees_it(monkeypatch):
    handler, customer = await setup()
    await refund_on(monkeypatch, handler, customer, date(2024, 3, 2), f.goodwill_request(9000))

    third = await refund_on(
        monkeypatch, handler, customer, date(2024, 3, 20), f.goodwill_request(1000)
    )

    executed = await RefundEvent.get(refund_id=third.id, action="executed")
    profile = await risk_profiles.current(customer, today=date(2024, 3, 20))
    assert executed.data["special_customer"] is True
    assert (profile.special, profile.since) == (True, date(2024, 3, 20))


async def test_r9_k4_special_customer_found_not_liable_gets_no_goodwill_refund(monkeypatch):
    handler, customer = await setup()
    for day in (2, 9, 20):
        await refund_on(monkeypatch, handler, customer, date(2024, 3, day))
    travel_to(monkeypatch, date(2024, 3, 22))
    goodwill = await f.refund(handler, cust=customer, request=f.goodwill_request(3000))
    liable = await f.refund(handler, cust=customer, request=f.liable_request(3000))

    declined = await changes.verify_refund(
        actor=handler,
        refund_id=goodwill.id,
        outcome=changes.Verification(
            cause="客户自行订购", measures="已解释", refund_due=True, liability=Liability.NOT_LIABLE
        ),
    )
    due = await changes.verify_refund(
        actor=handler,
        refund_id=liable.id,
        outcome=changes.Verification(
            cause="网络故障", measures="已修复", refund_due=True, liability=Liability.COMPANY_LIABLE
        ),
    )

    assert goodwill.flow_clause == liable.flow_clause == "R-9"
    assert declined.status == RefundStatus.DECLINED and "K-4" in declined.closed_reason
    assert due.status == RefundStatus.AWAITING_APPROVAL


async def test_k1_reading_a_profile_costs_two_indexed_queries(monkeypatch, count_queries):
    handler, customer = await setup()
    for day in (2, 9, 20):
        await refund_on(monkeypatch, handler, customer, date(2024, 3, day))
    await risk_profiles.current(customer, today=date(2024, 3, 25))  # warm the thresholds cache
    count_queries.queries.clear()

    await risk_profiles.current(customer, today=date(2024, 3, 25))

    assert len(count_queries.queries) == 2, count_queries.queries
    assert "risk_profiles" in count_queries.queries[0]
    assert (
        '"customer_id" IN' in count_queries.queries[1] and "executed_at" in count_queries.queries[1]
    )


async def test_k1_k2_k3_stored_profile_equals_a_replay_of_the_whole_history():
    """The profile kept refund by refund agrees with the policy over every refund ever."""
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    complaint = await f.complaint(handler, customer)
    rng = random.Random(4)
    day, facts = date(2023, 1, 1), []
    while day < date(2025, 6, 1):
        day += timedelta(days=rng.choice([1, 3, 8, 20, 40, 70, 100, 130]))
        fact = policy.RefundFact(
            executed_on=day,
            amount_fen=rng.choice([300, 1500, 4000, 9000]),
            liability=rng.choice([Liability.NOT_LIABLE] * 4 + [Liability.COMPANY_LIABLE]),
            border_roaming=rng.random() < 0.1,
        )
        facts.append(fact)
        at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
        async with in_transaction():
            await Refund.create(**row(fact, complaint, handler, at))
            await risk_profiles.refresh(customer, at=at)
        for probe in (day, day + timedelta(days=45), day + timedelta(days=120)):
            kept = await risk_profiles.current(customer, today=probe)
            replay = policy.special_customer(refunds=facts, today=probe)
            assert (kept.special, kept.since, kept.leaves_on) == (
                replay.special,
                replay.since,
                replay.leaves_on,
            ), (day, probe)
            assert kept.current == replay.current


def row(fact: policy.RefundFact, complaint, handler, at: datetime) -> dict:
    return {
        "complaint_id": complaint.id,
        "customer_id": complaint.customer_id,
        "requested_by": handler,
        "track": handler.track,
        "business_type": policy.BusinessType.SELF_OPERATED,
        "liability": fact.liability,
        "charge_category": policy.ChargeCategory.GOODWILL,
        "matter": "话费争议",
        "border_roaming": fact.border_roaming,
        "charged_fen": fact.amount_fen,
        "should_have_charged_fen": 0,
        "overcharge_fen": fact.amount_fen,
        "refund_fen": fact.amount_fen,
        "multiple": policy.Multiple.SINGLE,
        "method": policy.RefundMethod.ACCOUNT_CREDIT,
        "flow": Flow.REFUND_FIRST,
        "flow_clause": "R-7(c)",
        "band": 1,
        "status": RefundStatus.EXECUTED,
        "created_at": at,
        "executed_at": at,
    }
