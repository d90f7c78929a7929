"""The refund rules R-2..R-13 and the special-customer rules K-1..K-4, one test per rule case."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.customers.models import Tier
from services.errors import ErrorCode, InvalidInput, PermissionDenied
from services.refunds import policy
from services.refunds.policy import (
    ApprovalBands,
    ApproverTitle,
    BusinessType,
    ChargeCategory,
    CustomerTier,
    DeadlineStart,
    DeadlineUnit,
    Flow,
    GiftAllowances,
    Liability,
    Multiple,
    RefundFact,
    RefundMethod,
    RiskThresholds,
    StaffRole,
    Track,
)
from services.staff.models import Role
from services.staff.models import Track as StaffTrack

LIABLE = Liability.COMPANY_LIABLE
NOT_LIABLE = Liability.NOT_LIABLE
NON_BILLING = [c for c in ChargeCategory if c not in policy.BILLING_ERRORS]


def cites(reasons: tuple[str, ...], rule: str) -> bool:
    return any(rule in reason for reason in reasons)


def amount(**overrides: Any) -> policy.AmountDecision:
    given: dict[str, Any] = {
        "liability": LIABLE,
        "charge_category": ChargeCategory.DUPLICATE_RECORD,
        "charged_fen": 3000,
        "should_have_charged_fen": 1766,
        "requested_method": RefundMethod.ACCOUNT_CREDIT,
    }
    return policy.refund_amount(**{**given, **overrides})


def flow(**overrides: Any) -> policy.FlowDecision:
    nothing_applies: dict[str, Any] = {
        "is_monternet_or_own_vas": False,
        "settled_on_spot": False,
        "cause_unexplained_and_disputed": False,
        "tenure_days": 100,
        "good_credit": False,
        "first_fee_dispute_this_year": False,
        "refunds_last_3_months": 2,
        "is_special_customer": False,
    }
    return policy.refund_flow(**{**nothing_applies, **overrides})


def band(amount_fen: int, liability: Liability = LIABLE, **overrides: Any) -> policy.BandDecision:
    given: dict[str, Any] = {"cause_unknown_on_spot": False, "first_refund": False}
    return policy.approval_band(
        amount_fen=amount_fen, liability=liability, **{**given, **overrides}
    )


def goodwill(day: date, fen: int, **overrides: Any) -> RefundFact:
    return RefundFact(executed_on=day, amount_fen=fen, liability=NOT_LIABLE, **overrides)


# R-2 business type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "business"),
    [
        (ChargeCategory.UNKNOWING_SUBSCRIPTION, BusinessType.PARTNER),
        (ChargeCategory.INFORMATION_FEE_ERROR, BusinessType.PARTNER),
        (ChargeCategory.SERVICE_ERROR, BusinessType.SERVICE_ERROR),
        (ChargeCategory.DUPLICATE_RECORD, BusinessType.SELF_OPERATED),
        (ChargeCategory.DATA_NO_SESSION, BusinessType.SELF_OPERATED),
    ],
)
def test_r2_category_points_to_its_business_type(
    category: ChargeCategory, business: BusinessType
) -> None:
    # when
    decision = policy.business_type_for(category)
    # then
    assert decision.business_type is business
    assert cites(decision.reasons, "R-2")


@pytest.mark.parametrize(
    "category",
    [ChargeCategory.SERVICE_UNUSABLE, ChargeCategory.DISCOUNT_NOT_APPLIED, ChargeCategory.OTHER],
)
def test_r2_ambiguous_category_is_left_to_the_handler(category: ChargeCategory) -> None:
    decision = policy.business_type_for(category)
    assert decision.business_type is None
    assert cites(decision.reasons, "the handler decides")


# R-3 liability --------------------------------------------------------------------------------


def test_r3_not_liable_refund_is_single_even_for_a_billing_error() -> None:
    # given the company is not liable for a charge that looks like a billing error
    # when
    decision = amount(liability=NOT_LIABLE)
    # then
    assert decision.multiple is Multiple.SINGLE
    assert decision.refund_fen == 1234
    assert cites(decision.reasons, "R-3")


def test_r3_goodwill_refund_makes_good_the_difference_once() -> None:
    decision = amount(
        liability=NOT_LIABLE,
        charge_category=ChargeCategory.GOODWILL,
        charged_fen=1500,
        should_have_charged_fen=0,
    )
    assert (decision.multiple, decision.refund_fen) == (Multiple.SINGLE, 1500)


# R-4 multiple ---------------------------------------------------------------------------------


def test_r4_billing_errors_are_exactly_the_rulebook_list() -> None:
    assert {c.value for c in policy.BILLING_ERRORS} == {
        "call_record_error",
        "duplicate_record",
        "wrong_time_band",
        "free_number_charged",
        "data_no_session",
        "data_type_misbilled",
        "vas_count_or_channel_error",
        "information_fee_error",
        "mms_gprs_traffic",
        "discount_not_applied",
    }


@pytest.mark.parametrize("category", sorted(policy.BILLING_ERRORS))
def test_r4_company_liable_billing_error_is_double(category: ChargeCategory) -> None:
    decision = amount(charge_category=category)
    assert decision.multiple is Multiple.DOUBLE
    assert cites(decision.reasons, "R-4")


@pytest.mark.parametrize("category", NON_BILLING)
def test_r4_everything_else_is_single_even_when_company_liable(category: ChargeCategory) -> None:
    decision = amount(charge_category=category)
    assert decision.multiple is Multiple.SINGLE
    assert cites(decision.reasons, "not one of R-4's billing errors")


# R-5 amount -----------------------------------------------------------------------------------


def test_r5_double_refund_is_twice_the_overcharge() -> None:
    # given 30.00 yuan charged where 17.66 was due, a duplicate record the company is liable for
    # when
    decision = amount(charged_fen=3000, should_have_charged_fen=1766)
    # then the customer gets 2 x 12.34 = 24.68 yuan, and is told so
    assert (decision.overcharge_fen, decision.refund_fen) == (1234, 2468)
    assert cites(decision.reasons, "24.68 yuan")
    assert cites(decision.reasons, "R-5")


def test_r5_single_refund_is_the_overcharge_once() -> None:
    decision = amount(charge_category=ChargeCategory.SERVICE_UNUSABLE)
    assert (decision.overcharge_fen, decision.refund_fen) == (1234, 1234)


@pytest.mark.parametrize(("charged", "due"), [(1000, 1000), (999, 1000), (0, 0)])
def test_r5_no_positive_overcharge_means_nothing_to_refund(charged: int, due: int) -> None:
    decision = amount(charged_fen=charged, should_have_charged_fen=due)
    assert decision.multiple is Multiple.SINGLE
    assert (decision.overcharge_fen, decision.refund_fen) == (0, 0)
    assert cites(decision.reasons, "R-5")


@pytest.mark.parametrize(("charged", "due"), [(1, 0), (101, 100), (10_000_000, 1)])
def test_r5_double_refund_is_never_more_than_twice_the_overcharge(charged: int, due: int) -> None:
    decision = amount(charged_fen=charged, should_have_charged_fen=due)
    assert decision.refund_fen == 2 * (charged - due)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("charged_fen", -1),
        ("should_have_charged_fen", -100),
        ("charged_fen", 12.34),
        ("charged_fen", True),
    ],
)
def test_r5_amounts_are_non_negative_whole_fen(field: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        amount(**{field: value})
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == field


# R-6 method and multiple ----------------------------------------------------------------------


def test_r6_cash_on_a_double_refund_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        amount(requested_method=RefundMethod.CASH, cash_exception_reason="customer insists")
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "method"
    assert "never paid in cash" in error.value.message


@pytest.mark.parametrize(
    ("category", "asked"),
    [
        (ChargeCategory.DUPLICATE_RECORD, Multiple.SINGLE),
        (ChargeCategory.SERVICE_UNUSABLE, Multiple.DOUBLE),
    ],
)
def test_r6_the_multiple_cannot_be_changed(category: ChargeCategory, asked: Multiple) -> None:
    with pytest.raises(InvalidInput) as error:
        amount(charge_category=category, requested_multiple=asked)
    assert error.value.field == "multiple"
    assert "cannot be changed" in error.value.message


def test_r6_a_requested_multiple_that_matches_the_rule_is_accepted() -> None:
    assert amount(requested_multiple=Multiple.DOUBLE).multiple is Multiple.DOUBLE


def test_r6_single_refund_in_cash_needs_a_documented_exception() -> None:
    with pytest.raises(InvalidInput) as error:
        amount(charge_category=ChargeCategory.OTHER, requested_method=RefundMethod.CASH)
    assert error.value.field == "method"


def test_r6_single_refund_in_cash_by_documented_exception_is_allowed() -> None:
    decision = amount(
        charge_category=ChargeCategory.OTHER,
        requested_method=RefundMethod.CASH,
        cash_exception_reason="number cancelled, no account to credit",
    )
    assert decision.method is RefundMethod.CASH
    assert cites(decision.reasons, "R-6: paid in cash by exception: number cancelled")


@pytest.mark.parametrize("method", [RefundMethod.ACCOUNT_CREDIT, RefundMethod.BILL_ADJUSTMENT])
def test_r6_double_refund_goes_to_the_account(method: RefundMethod) -> None:
    decision = amount(requested_method=method)
    assert (decision.multiple, decision.method) == (Multiple.DOUBLE, method)
    assert cites(decision.reasons, "R-6")


# flow ---------------------------------------------------------------------------


def test_r7a_monternet_charge_not_settled_on_the_spot_is_refund_first() -> None:
    decision = flow(is_monternet_or_own_vas=True, settled_on_spot=False)
    assert (decision.flow, decision.clause) == (Flow.REFUND_FIRST, "R-7(a)")
    assert cites(decision.reasons, "R-7(a)")


def test_r7a_does_not_apply_when_the_front_desk_settled_it_on_the_spot() -> None:
    decision = flow(is_monternet_or_own_vas=True, settled_on_spot=True)
    assert (decision.flow, decision.clause) == (Flow.VERIFY_FIRST, "R-8")


def test_r7b_unexplained_cause_disputed_hard_is_refund_first() -> None:
    decision = flow(cause_unexplained_and_disputed=True)
    assert (decision.flow, decision.clause) == (Flow.REFUND_FIRST, "R-7(b)")


@pytest.mark.parametrize(
    ("tenure_days", "good_credit", "expected"),
    [(365, True, "R-7(c)"), (3650, True, "R-7(c)"), (364, True, "R-8"), (3650, False, "R-8")],
)
def test_r7c_one_year_on_the_network_with_good_credit_is_refund_first(
    tenure_days: int, good_credit: bool, expected: str
) -> None:
    decision = flow(tenure_days=tenure_days, good_credit=good_credit)
    assert decision.clause == expected
    assert decision.flow is (Flow.REFUND_FIRST if expected == "R-7(c)" else Flow.VERIFY_FIRST)


@pytest.mark.parametrize(
    ("first_dispute", "recent_refunds", "expected"),
    [(True, 0, "R-7(d)"), (True, 1, "R-8"), (False, 0, "R-8")],
)
def test_r7d_first_dispute_this_year_without_refund_in_3_months_is_refund_first(
    first_dispute: bool, recent_refunds: int, expected: str
) -> None:
    decision = flow(first_fee_dispute_this_year=first_dispute, refunds_last_3_months=recent_refunds)
    assert decision.clause == expected


def test_r7_names_every_clause_that_holds() -> None:
    decision = flow(cause_unexplained_and_disputed=True, tenure_days=400, good_credit=True)
    assert decision.clause == "R-7(b)"
    assert decision.clauses == ("R-7(b)", "R-7(c)")
    assert cites(decision.reasons, "R-7(c) also applies")


@pytest.mark.parametrize("field", ["tenure_days", "refunds_last_3_months"])
def test_r7_negative_counts_are_invalid_input(field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        flow(**{field: -1})
    assert error.value.field == field


def test_r8_everything_else_is_verify_first() -> None:
    decision = flow()
    assert (decision.flow, decision.clause, decision.clauses) == (Flow.VERIFY_FIRST, "R-8", ())
    assert cites(decision.reasons, "R-8")


def test_r9_special_customer_is_verify_first_whatever_r7_says() -> None:
    decision = flow(
        is_monternet_or_own_vas=True,
        cause_unexplained_and_disputed=True,
        tenure_days=4000,
        good_credit=True,
        first_fee_dispute_this_year=True,
        refunds_last_3_months=0,
        is_special_customer=True,
    )
    assert (decision.flow, decision.clause) == (Flow.VERIFY_FIRST, "R-9")
    assert decision.clauses == ("R-7(a)", "R-7(b)", "R-7(c)", "R-7(d)")
    assert cites(decision.reasons, "R-9")


# R-10 gifts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "allowance"),
    [
        (CustomerTier.MID_HIGH_END, 20000),
        (CustomerTier.GOLD_AND_ABOVE, 20000),
        (CustomerTier.GROUP_CONTACT, 15000),
        (CustomerTier.GOVERNMENT_CONTACT, 15000),
        (CustomerTier.ORDINARY, 10000),
    ],
)
def test_r10_gift_allowance_per_tier_is_inclusive(tier: CustomerTier, allowance: int) -> None:
    assert policy.gift_allowance_fen(tier) == allowance
    decision = policy.check_gift(tier=tier, value_fen=allowance)
    assert decision.allowed
    assert cites(decision.reasons, "R-10")
    with pytest.raises(InvalidInput) as error:
        policy.check_gift(tier=tier, value_fen=allowance + 1)
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_INPUT, "value_fen")


def test_r10_gift_allowances_are_configurable() -> None:
    allowances = GiftAllowances(mid_high_end_fen=30000, group_fen=20000, ordinary_fen=5000)
    assert policy.gift_allowance_fen(CustomerTier.ORDINARY, allowances) == 5000
    with pytest.raises(InvalidInput):
        policy.check_gift(tier=CustomerTier.ORDINARY, value_fen=5001, allowances=allowances)


def test_r10_every_customer_tier_has_a_gift_allowance() -> None:
    # the customer model's tiers, as stored, are accepted as they are
    for tier in Tier:
        assert policy.gift_allowance_fen(CustomerTier(tier.value)) > 0
    assert {t.value for t in CustomerTier} == {t.value for t in Tier}


# R-12 approval bands --------------------------------------------------------------------------

# the rulebook's table, written out here independently of the code: band -> (branch, centre)
APPROVERS = {
    0: (ApproverTitle.STORE_MARKETING_MANAGER, ApproverTitle.BILLING_AGENT_OR_COMPLAINT_HANDLER),
    1: (ApproverTitle.STORE_MANAGER, ApproverTitle.WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER),
    2: (ApproverTitle.COUNTY_SERVICE_SUPERVISOR, ApproverTitle.COMPLAINT_SUPERVISOR),
    3: (ApproverTitle.COUNTY_BRANCH_MANAGER, ApproverTitle.OPERATIONS_DEPARTMENT_MANAGER),
    4: (ApproverTitle.CITY_BRANCH_DEPUTY_GM, ApproverTitle.CENTRE_DEPUTY_GM),
}
BAND_EDGES = [
    (LIABLE, 1, 1),
    (LIABLE, 20000, 1),
    (LIABLE, 20001, 2),
    (LIABLE, 50000, 2),
    (LIABLE, 50001, 3),
    (LIABLE, 100000, 3),
    (LIABLE, 100001, 4),
    (LIABLE, 9_999_999, 4),
    (NOT_LIABLE, 1, 1),
    (NOT_LIABLE, 10000, 1),
    (NOT_LIABLE, 10001, 2),
    (NOT_LIABLE, 30000, 2),
    (NOT_LIABLE, 30001, 3),
    (NOT_LIABLE, 50000, 3),
    (NOT_LIABLE, 50001, 4),
    (NOT_LIABLE, 9_999_999, 4),
]


@pytest.mark.parametrize("track", [Track.BRANCH, Track.SERVICE_CENTRE])
@pytest.mark.parametrize(("liability", "fen", "expected"), BAND_EDGES)
def test_r12_amount_falls_in_the_band_of_its_inclusive_upper_bound_on_both_tracks(
    liability: Liability, fen: int, expected: int, track: Track
) -> None:
    # given the approver the rulebook names for that band on this track
    title = APPROVERS[expected][0 if track is Track.BRANCH else 1]
    # when
    decision = band(fen, liability)
    # then
    assert decision.band == expected
    assert decision.approver(track) is title
    assert policy.approver_for(expected, track) is title
    assert cites(decision.reasons, f"is band {expected}")
    assert cites(decision.reasons, title.label)
    assert not decision.refunds_directly


def test_r12_liable_20000_fen_is_band_1_and_20001_is_band_2() -> None:
    assert (band(20000).band, band(20001).band) == (1, 2)
    assert cites(band(20001).reasons, "200.01 yuan is band 2")


def test_r12_not_liable_10000_fen_is_band_1_and_10001_is_band_2() -> None:
    assert (band(10000, NOT_LIABLE).band, band(10001, NOT_LIABLE).band) == (1, 2)


@pytest.mark.parametrize("liability", [LIABLE, NOT_LIABLE])
@pytest.mark.parametrize("fen", [1, 2000])
def test_r12_band0_up_to_20_yuan_cause_unknown_first_refund_is_refunded_directly(
    liability: Liability, fen: int
) -> None:
    decision = band(fen, liability, cause_unknown_on_spot=True, first_refund=True)
    assert decision.band == 0
    assert decision.refunds_directly
    assert decision.approver(Track.BRANCH) is ApproverTitle.STORE_MARKETING_MANAGER
    assert (
        decision.approver(Track.SERVICE_CENTRE) is ApproverTitle.BILLING_AGENT_OR_COMPLAINT_HANDLER
    )
    assert decision.role is StaffRole.HANDLER
    assert cites(decision.reasons, "R-12 band 0")


@pytest.mark.parametrize(
    ("fen", "cause_unknown", "first", "why"),
    [
        (2001, True, True, ""),
        (2000, False, True, "the cause was found on the spot"),
        (2000, True, False, "not the customer's first refund"),
    ],
)
def test_r12_band0_needs_at_most_20_yuan_unknown_cause_and_first_refund(
    fen: int, cause_unknown: bool, first: bool, why: str
) -> None:
    decision = band(fen, cause_unknown_on_spot=cause_unknown, first_refund=first)
    assert decision.band == 1
    assert cites(decision.reasons, why)


def test_r12_bands_are_configurable() -> None:
    bands = ApprovalBands(
        band0_max_fen=1000,
        liable_max_fen=(30000, 60000, 90000),
        not_liable_max_fen=(1000, 2000, 3000),
    )
    assert band(30000, bands=bands).band == 1
    assert (
        band(1500, NOT_LIABLE, cause_unknown_on_spot=True, first_refund=True, bands=bands).band == 2
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"liable_max_fen": (20000, 20000, 100000)}, "liable_max_fen"),
        ({"liable_max_fen": (50000, 20000, 100000)}, "liable_max_fen"),
        ({"not_liable_max_fen": (10000, 30000)}, "not_liable_max_fen"),
        ({"not_liable_max_fen": (-1, 30000, 50000)}, "not_liable_max_fen"),
        ({"not_liable_max_fen": (0, 30000, 50000)}, "not_liable_max_fen"),
        ({"liable_max_fen": (200.0, 50000, 100000)}, "liable_max_fen"),
        ({"band0_max_fen": -2000}, "band0_max_fen"),
        ({"band0_max_fen": 10001}, "band0_max_fen"),
    ],
)
def test_r12_band_bounds_must_rise_without_gaps_or_negatives(
    config: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        ApprovalBands(**config)
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_INPUT, field)
    assert "R-12" in error.value.message


@pytest.mark.parametrize("fen", [0, -1])
def test_r12_only_a_positive_amount_has_a_band(fen: int) -> None:
    with pytest.raises(InvalidInput) as error:
        band(fen)
    assert error.value.field == "amount_fen"


def test_r12_each_approver_title_maps_to_the_staff_role_of_its_band() -> None:
    expected = ["handler", "team_lead", "supervisor", "manager", "deputy_gm"]
    for number, role in enumerate(expected):
        assert policy.TITLE_ROLES[policy.approver_for(number, Track.BRANCH)] == role
        assert policy.TITLE_ROLES[policy.approver_for(number, Track.SERVICE_CENTRE)] == role
        assert policy.role_band(role) == number
    assert len(policy.TITLE_ROLES) == 10
    # the staff model's roles and tracks are the same strings
    assert {r.value for r in StaffRole} <= {r.value for r in Role}
    assert {t.value for t in Track} == {t.value for t in StaffTrack}
    assert policy.role_band(Role.AUDITOR) is None


@pytest.mark.parametrize(
    ("approver_band", "refund_band", "allowed"),
    [(2, 2, True), (4, 1, True), (1, 2, False), (0, 1, False), (3, 4, False)],
)
def test_r12_an_approver_may_approve_only_up_to_their_band(
    approver_band: int, refund_band: int, allowed: bool
) -> None:
    assert policy.may_approve(approver_band=approver_band, refund_band=refund_band) is allowed


def check(**overrides: Any) -> policy.Decision:
    given: dict[str, Any] = {
        "requester_id": 1,
        "approver_id": 2,
        "approver_roles": ["supervisor"],
        "approver_track": Track.BRANCH,
        "refund_band": 2,
        "refund_track": Track.BRANCH,
    }
    return policy.check_approver(**{**given, **overrides})


def test_r12_approver_within_their_band_may_approve_someone_elses_request() -> None:
    assert check().allowed
    assert check(approver_roles=["handler", "deputy_gm"], refund_band=4).allowed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"approver_id": 1}, "their own refund request"),
        ({"refund_band": 3}, "needs the county branch manager"),
        ({"approver_roles": ["auditor", "admin"]}, "no approving role"),
        ({"approver_track": Track.SERVICE_CENTRE}, "branch track"),
    ],
)
def test_r12_approval_is_refused_above_band_on_own_request_or_other_track(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(PermissionDenied) as error:
        check(**overrides)
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    assert message in error.value.message


def test_r12_band0_handler_refunds_their_own_case_directly() -> None:
    decision = check(approver_id=1, approver_roles=["handler"], refund_band=0)
    assert decision.allowed
    assert cites(decision.reasons, "R-12 band 0")


# R-13 deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize("vip", [True, False])
def test_r13_refund_first_is_executed_within_48_hours_of_confirmation(vip: bool) -> None:
    rule = policy.refund_deadlines(
        flow=Flow.REFUND_FIRST, vip=vip, method=RefundMethod.ACCOUNT_CREDIT
    )
    [step] = rule.deadlines
    assert (step.amount, step.unit, step.measured_from) == (
        48,
        DeadlineUnit.HOURS,
        DeadlineStart.AMOUNT_CONFIRMED,
    )
    assert cites(rule.reasons, "R-13")


@pytest.mark.parametrize(("vip", "days"), [(True, 1), (False, 3)])
def test_r13_verify_first_verifies_in_1_or_3_working_days_and_refunds_in_3(
    vip: bool, days: int
) -> None:
    rule = policy.refund_deadlines(
        flow=Flow.VERIFY_FIRST, vip=vip, method=RefundMethod.ACCOUNT_CREDIT
    )
    verify, execute = rule.deadlines
    assert (verify.amount, verify.unit) == (days, DeadlineUnit.WORKING_DAYS)
    assert (execute.amount, execute.unit, execute.measured_from) == (
        3,
        DeadlineUnit.WORKING_DAYS,
        DeadlineStart.AMOUNT_CONFIRMED,
    )


def test_r13_bill_adjustment_is_agreed_in_3_working_days_and_applied_on_next_bill() -> None:
    rule = policy.refund_deadlines(
        flow=Flow.VERIFY_FIRST, vip=False, method=RefundMethod.BILL_ADJUSTMENT
    )
    verify, agree, apply = rule.deadlines
    assert (verify.amount, verify.unit) == (3, DeadlineUnit.WORKING_DAYS)
    assert (agree.amount, agree.unit, agree.measured_from) == (
        3,
        DeadlineUnit.WORKING_DAYS,
        DeadlineStart.VERIFIED,
    )
    assert (apply.amount, apply.unit) == (1, DeadlineUnit.BILLING_CYCLES)
    assert cites(rule.reasons, "next month's bill")


# K-1 special customers ------------------------------------------------------------------------


def test_k1_third_refund_in_a_month_makes_customer_special() -> None:
    refunds = [goodwill(date(2024, 3, d), 500) for d in (2, 9, 20)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 25))
    assert decision.special
    assert decision.since == date(2024, 3, 20)
    assert decision.triggered_by == ("count_in_month",)
    assert decision.trigger_figures is not None and decision.trigger_figures.month_count == 3
    assert cites(decision.reasons, "K-1")


def test_k1_three_refunds_across_two_calendar_months_are_not_one_month() -> None:
    refunds = [goodwill(date(2024, 1, 30), 500), goodwill(date(2024, 1, 31), 500)]
    refunds.append(goodwill(date(2024, 2, 1), 500))
    decision = policy.special_customer(refunds=refunds, today=date(2024, 2, 1))
    assert not decision.special
    assert cites(decision.reasons, "not a special customer")


@pytest.mark.parametrize(("fen", "special"), [(10000, True), (9999, False)])
def test_k1_100_yuan_in_the_current_month_makes_customer_special(fen: int, special: bool) -> None:
    refunds = [goodwill(date(2024, 5, 3), fen - 1), goodwill(date(2024, 5, 28), 1)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 5, 31))
    assert decision.special is special
    if special:
        assert decision.since == date(2024, 5, 28)
        assert "month_sum" in decision.triggered_by


@pytest.mark.parametrize(
    ("first_refund_on", "special"),
    [(date(2024, 1, 1), True), (date(2023, 12, 31), False)],
)
def test_k1_100_yuan_over_this_month_and_the_two_before_makes_customer_special(
    first_refund_on: date, special: bool
) -> None:
    # given 60 yuan on the first day, 40 yuan on 20 March: "the last three months" on
    # 20 March are 1 January to 20 March
    refunds = [goodwill(first_refund_on, 6000), goodwill(date(2024, 3, 20), 4000)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 20))
    assert decision.special is special
    assert decision.current.three_month_sum_fen == (10000 if special else 4000)
    if special:
        assert decision.triggered_by == ("three_month_sum",)
        assert cites(decision.reasons, "2024-01 to 2024-03 add up to 100.00 yuan")


def test_k1_company_liable_refunds_do_not_count() -> None:
    refunds = [
        RefundFact(executed_on=date(2024, 3, d), amount_fen=50000, liability=LIABLE)
        for d in (1, 2, 3)
    ]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 31))
    assert not decision.special
    assert decision.current.month_count == 0
    assert cites(decision.reasons, "3 refund(s) not counted")


def test_k1_border_roaming_refunds_do_not_count() -> None:
    refunds = [goodwill(date(2024, 3, d), 5000, border_roaming=True) for d in (1, 2, 3)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 31))
    assert not decision.special
    assert cites(decision.reasons, "3 of them border roaming")


def test_k1_refunds_after_today_are_not_seen() -> None:
    refunds = [goodwill(date(2024, 3, d), 500) for d in (2, 9, 20)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 19))
    assert not decision.special


def test_k1_thresholds_are_configurable() -> None:
    refunds = [goodwill(date(2024, 3, d), 500) for d in (2, 9, 20)]
    strict = RiskThresholds(count_in_month=4)
    assert not policy.special_customer(
        refunds=refunds, today=date(2024, 3, 31), thresholds=strict
    ).special
    with pytest.raises(InvalidInput) as error:
        RiskThresholds(month_sum_fen=-1)
    assert error.value.field == "month_sum_fen"


def test_k1_a_negative_refund_amount_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as error:
        policy.special_customer(refunds=[goodwill(date(2024, 3, 1), -5)], today=date(2024, 3, 2))
    assert error.value.field == "refunds"


def test_k1_last_three_months_means_this_calendar_month_and_the_two_before() -> None:
    today = date(2024, 3, 20)
    assert policy.in_last_three_months(date(2024, 1, 1), today)
    assert policy.in_last_three_months(today, today)
    assert not policy.in_last_three_months(date(2023, 12, 31), today)
    assert not policy.in_last_three_months(date(2024, 3, 21), today)


def test_k3_the_refund_that_makes_customer_special_already_sees_it() -> None:
    refunds = [goodwill(date(2024, 3, 2), 9000), goodwill(date(2024, 3, 20), 1000)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 3, 20))
    assert (decision.special, decision.since) == (True, date(2024, 3, 20))


# K-2 leaving the list -------------------------------------------------------------------------

THREE_IN_JANUARY = [goodwill(date(2024, 1, d), 500) for d in (5, 10, 15)]


@pytest.mark.parametrize(
    ("today", "special"), [(date(2024, 4, 30), True), (date(2024, 5, 1), False)]
)
def test_k2_customer_leaves_after_three_refund_free_calendar_months(
    today: date, special: bool
) -> None:
    decision = policy.special_customer(refunds=THREE_IN_JANUARY, today=today)
    assert decision.special is special
    if special:
        assert decision.leaves_on == date(2024, 5, 1)
        assert cites(decision.reasons, "K-2: leaves the list on 2024-05-01")
    else:
        assert decision.left_on == date(2024, 5, 1)
        assert cites(decision.reasons, "K-2: left the special-customer list on 2024-05-01")


def test_k2_a_further_counted_refund_restarts_the_three_months() -> None:
    refunds = [*THREE_IN_JANUARY, goodwill(date(2024, 3, 10), 100)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 6, 30))
    assert (decision.special, decision.since, decision.leaves_on) == (
        True,
        date(2024, 1, 15),
        date(2024, 7, 1),
    )


def test_k2_a_company_liable_refund_does_not_keep_the_customer_on_the_list() -> None:
    refunds = [
        *THREE_IN_JANUARY,
        RefundFact(executed_on=date(2024, 3, 10), amount_fen=100, liability=LIABLE),
    ]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 4, 1))
    assert decision.leaves_on == date(2024, 5, 1)


def test_k2_customer_who_left_can_become_special_again() -> None:
    refunds = [*THREE_IN_JANUARY, goodwill(date(2024, 6, 1), 10000)]
    decision = policy.special_customer(refunds=refunds, today=date(2024, 6, 2))
    assert (decision.special, decision.since) == (True, date(2024, 6, 1))
    assert decision.triggered_by == ("month_sum", "three_month_sum")


def test_k2_cancelled_number_leaves_at_once() -> None:
    decision = policy.special_customer(
        refunds=THREE_IN_JANUARY, today=date(2024, 1, 20), cancelled=True
    )
    assert (decision.special, decision.since, decision.leaves_on) == (False, None, None)
    assert cites(decision.reasons, "K-2: the number is cancelled")


# K-4 goodwill for special customers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("special", "liability", "allowed"),
    [(True, NOT_LIABLE, False), (True, LIABLE, True), (False, NOT_LIABLE, True)],
)
def test_k4_special_customer_found_not_liable_gets_no_goodwill_refund(
    special: bool, liability: Liability, allowed: bool
) -> None:
    decision = policy.goodwill_allowed(special=special, verified_liability=liability)
    assert decision.allowed is allowed
    assert cites(decision.reasons, "K-4")
    if not allowed:
        assert cites(decision.reasons, "in principle")
