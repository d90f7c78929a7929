"""A-1: the pure checks of an executed refund, one rule at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.audit.kinds import ApprovalFact, Finding, RefundFacts, Responsible
from services.audit.policy import check_refund
from services.refunds.policy import (
    DEFAULT_BANDS,
    ApprovalBands,
    ChargeCategory,
    Flow,
    Liability,
    Multiple,
    RefundMethod,
)

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=2)
HANDLER, LEAD, CASHIER = 1, 2, 3


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def executed(**changes: object) -> RefundFacts:
    """A clean refund: company-liable duplicate record, 30.00 charged, 12.34 due, 35.32 double,
    refund first (R-7(c)), band 1 approved by a lead, confirmed, executed in time, one SMS."""
    facts = RefundFacts(
        refund_id=7,
        liability=Liability.COMPANY_LIABLE,
        charge_category=ChargeCategory.DUPLICATE_RECORD,
        charged_fen=3000,
        should_have_charged_fen=1234,
        overcharge_fen=1766,
        refund_fen=3532,
        multiple=Multiple.DOUBLE,
        method=RefundMethod.ACCOUNT_CREDIT,
        cash_exception_reason="",
        flow=Flow.REFUND_FIRST,
        flow_clause="R-7(c)",
        band=1,
        special_customer=False,
        cause_unknown_on_spot=False,
        first_refund=True,
        track="branch",
        requested_by_id=HANDLER,
        approval_round=1,
        created_at=at(0),
        verified_at=at(30),
        verify_due_at=None,
        approved_at=at(1),
        confirmed_at=at(2),
        executed_at=at(3),
        execute_due_at=at(50),
        approvals=(ApprovalFact(1, True, 1, 1, LEAD, "branch", 3532),),
        actions=("requested", "approved", "amount_confirmed", "executed"),
        ledger_fen=3532,
        ledger_kind="account_credit",
        notices=1,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.code) for f in findings]


def check(facts: RefundFacts, bands: ApprovalBands = DEFAULT_BANDS) -> list[Finding]:
    return check_refund(facts, bands=bands, now=NOW)


def test_a1_a_refund_done_by_the_rules_has_no_finding():
    assert check(executed()) == []


# principle


def test_r9_a_special_customer_refunded_first_is_a_finding():
    assert codes(check(executed(special_customer=True))) == [("R-9", "special_refund_first")]


def test_r7_refund_first_without_an_r7_case_is_a_finding():
    assert codes(check(executed(flow_clause="R-8"))) == [("R-7", "no_refund_first_clause")]


def test_r7_refund_first_still_unverified_a_week_later_is_a_finding():
    facts = executed(verified_at=None)

    assert check(facts) == []  # two days after: still in time
    late = check_refund(facts, bands=DEFAULT_BANDS, now=at(3) + timedelta(days=8))
    assert codes(late) == [("R-7", "not_verified_after")]


def test_r8_verify_first_verified_after_the_money_moved_is_a_finding():
    facts = executed(flow=Flow.VERIFY_FIRST, flow_clause="R-8", verified_at=at(2.5))

    assert codes(check(facts)) == [("R-8", "not_verified_first")]
    assert check(replace(facts, verified_at=at(0.5))) == []


def test_k4_goodwill_to_a_special_customer_is_a_finding():
    facts = executed(
        liability=Liability.NOT_LIABLE,
        charge_category=ChargeCategory.GOODWILL,
        should_have_charged_fen=0,
        charged_fen=3000,
        overcharge_fen=3000,
        refund_fen=3000,
        multiple=Multiple.SINGLE,
        flow=Flow.VERIFY_FIRST,
        flow_clause="R-9",
        special_customer=True,
        verified_at=at(0.5),
        ledger_fen=3000,
        approvals=(ApprovalFact(1, True, 1, 1, LEAD, "branch", 3000),),
    )

    assert codes(check(facts)) == [("K-4", "goodwill_to_special")]


# multiple, amount, method


def test_r4_a_single_refund_of_a_billing_error_the_company_caused_is_a_finding():
    facts = executed(
        multiple=Multiple.SINGLE,
        refund_fen=1766,
        ledger_fen=1766,
        approvals=(ApprovalFact(1, True, 1, 1, LEAD, "branch", 1766),),
    )

    found = check(facts)

    assert codes(found) == [("R-4", "multiple_wrong"), ("R-5", "amount_under")]
    assert found[1].params == {"expected_fen": 3532, "actual_fen": 1766}
    assert found[0].responsible is Responsible.REQUESTER


def test_r5_more_than_twice_the_overcharge_is_over_compensation():
    facts = executed(
        refund_fen=4000,
        ledger_fen=4000,
        approvals=(ApprovalFact(1, True, 1, 1, LEAD, "branch", 4000),),
    )

    assert codes(check(facts)) == [("R-5", "amount_over")]


def test_r6_a_double_refund_paid_in_cash_is_a_finding():
    facts = executed(method=RefundMethod.CASH, cash_exception_reason="客户要求", ledger_kind="cash")

    found = check(facts)

    assert codes(found) == [("R-6", "method_not_allowed")]
    assert "never paid in cash" in found[0].params["detail"]


# deadlines


def test_r13_executed_after_its_deadline_is_a_finding_for_the_executor():
    found = check(executed(execute_due_at=at(2.5)))

    assert codes(found) == [("R-13", "executed_late")]
    assert found[0].responsible is Responsible.EXECUTOR


def test_r13_verified_after_its_deadline_is_a_finding():
    facts = executed(
        flow=Flow.VERIFY_FIRST, flow_clause="R-8", verified_at=at(0.9), verify_due_at=at(0.5)
    )

    assert codes(check(facts)) == [("R-13", "verified_late")]


# approval band and approver


def test_r12_a_band_the_amount_does_not_fall_in_is_a_finding():
    assert codes(check(executed(band=2))) == [("R-12", "band_wrong")]


def test_r12_the_band_is_judged_by_the_bands_then_in_force():
    lower = ApprovalBands(band0_max_fen=2000, liable_max_fen=(3000, 50000, 100000))

    found = check(executed(), bands=lower)

    assert ("R-12", "band_wrong") in codes(found)
    assert ("R-12", "approver_band_too_low") in codes(found)


def test_r12_a_band_1_refund_without_approval_is_a_finding():
    assert codes(check(executed(approvals=()))) == [("R-12", "approval_missing")]


def test_r12_self_approval_is_a_finding_for_the_approver():
    found = check(executed(approvals=(ApprovalFact(1, True, 1, 1, HANDLER, "branch", 3532),)))

    assert codes(found) == [("R-12", "self_approval")]
    assert found[0].responsible is Responsible.APPROVER


def test_r12_an_approval_on_the_other_track_or_for_another_amount_is_a_finding():
    found = check(executed(approvals=(ApprovalFact(1, True, 1, 1, LEAD, "service_centre", 3000),)))

    assert codes(found) == [("R-12", "approval_wrong_track"), ("R-12", "approved_amount_differs")]


def test_r12_band_0_needs_no_approval():
    facts = executed(
        liability=Liability.NOT_LIABLE,
        charge_category=ChargeCategory.UNKNOWING_SUBSCRIPTION,
        charged_fen=1500,
        should_have_charged_fen=0,
        overcharge_fen=1500,
        refund_fen=1500,
        multiple=Multiple.SINGLE,
        band=0,
        cause_unknown_on_spot=True,
        flow_clause="R-7(a)",
        approvals=(),
        approved_at=None,
        ledger_fen=1500,
        actions=("quick_refund", "amount_confirmed", "executed"),
    )

    assert check(facts) == []


# process, SMS, ledger


def test_r11_refunded_before_the_customer_confirmed_is_a_finding():
    found = check(executed(confirmed_at=None, actions=("requested", "approved", "executed")))

    assert codes(found) == [("R-11", "not_confirmed_first"), ("R-11", "step_unrecorded")]


def test_r14_a_refund_without_its_sms_is_a_finding():
    assert codes(check(executed(notices=0))) == [("R-14", "notice_count")]


def test_a1_a_ledger_entry_differing_from_the_reported_refund_is_a_finding():
    found = check(executed(ledger_fen=3000))

    assert codes(found) == [("A-1", "ledger_differs")]
    assert found[0].params == {"ledger_fen": 3000, "actual_fen": 3532}


def test_a1_nothing_in_the_ledger_is_a_finding():
    assert codes(check(executed(ledger_fen=None, ledger_kind=None))) == [("A-1", "ledger_missing")]


def test_r6_paid_another_way_than_recorded_is_a_finding():
    assert codes(check(executed(ledger_kind="cash"))) == [("R-6", "ledger_kind_differs")]
