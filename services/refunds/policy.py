"""Refund rules as pure functions over plain values; every decision carries reasons citing its rule.

This module holds R-2..R-9 and K-4 and re-exports the rest: approval bands (R-12, bands.py),
deadlines (R-13, deadlines.py), gifts (R-10, compensation.py) and the special-customer list
(K-1, K-2, risk.py), so callers need only ``from services.refunds import policy``.
Money is always an int of fen (1 yuan = 100 fen).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput
from services.refunds.bands import (
    BAND_ROLES,
    DEFAULT_BANDS,
    TITLE_ROLES,
    ApprovalBands,
    ApproverTitle,
    BandDecision,
    StaffRole,
    Track,
    approval_band,
    approver_for,
    check_approver,
    highest_band,
    may_approve,
    role_band,
)
from services.refunds.compensation import (
    DEFAULT_GIFT_ALLOWANCES,
    GiftAllowances,
    check_gift,
    gift_allowance_fen,
)
from services.refunds.deadlines import (
    Deadline,
    DeadlineRule,
    DeadlineStart,
    DeadlineUnit,
    refund_deadlines,
)
from services.refunds.kinds import (
    BILLING_ERRORS,
    BusinessType,
    ChargeCategory,
    CustomerTier,
    Decision,
    Flow,
    Liability,
    Multiple,
    RefundMethod,
    coerce,
    require_count,
    require_fen,
    yuan,
)
from services.refunds.risk import (
    DEFAULT_RISK_THRESHOLDS,
    RefundFact,
    RiskDecision,
    RiskFigures,
    RiskThresholds,
    counts_for_risk,
    in_last_three_months,
    special_customer,
)

__all__ = [
    "BAND_ROLES",
    "BILLING_ERRORS",
    "DEFAULT_BANDS",
    "DEFAULT_GIFT_ALLOWANCES",
    "DEFAULT_RISK_THRESHOLDS",
    "ONE_YEAR_DAYS",
    "TITLE_ROLES",
    "VALUE_ADDED_CHARGES",
    "AmountDecision",
    "ApprovalBands",
    "ApproverTitle",
    "BandDecision",
    "BusinessDecision",
    "BusinessType",
    "ChargeCategory",
    "CustomerTier",
    "Deadline",
    "DeadlineRule",
    "DeadlineStart",
    "DeadlineUnit",
    "Decision",
    "Flow",
    "FlowDecision",
    "GiftAllowances",
    "Liability",
    "Multiple",
    "RefundFact",
    "RefundMethod",
    "RiskDecision",
    "RiskFigures",
    "RiskThresholds",
    "StaffRole",
    "Track",
    "approval_band",
    "approver_for",
    "business_type_for",
    "check_approver",
    "check_gift",
    "counts_for_risk",
    "gift_allowance_fen",
    "goodwill_allowed",
    "highest_band",
    "in_last_three_months",
    "may_approve",
    "quick_refund_allowed",
    "refund_amount",
    "refund_deadlines",
    "refund_flow",
    "role_band",
    "special_customer",
    "yuan",
]

# R-7(c) "入网时间在1年以上": in Chinese rules 以上 includes the number, so 365 days or more
ONE_YEAR_DAYS = 365


# R-2 ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BusinessDecision:
    business_type: BusinessType | None  # None: the category alone does not tell; the handler picks
    reasons: tuple[str, ...]


_PARTNER_CATEGORIES = {ChargeCategory.UNKNOWING_SUBSCRIPTION, ChargeCategory.INFORMATION_FEE_ERROR}
_UNDECIDED_CATEGORIES = {
    ChargeCategory.DISCOUNT_NOT_APPLIED,  # billing system (self-operated) or staff (service error)
    ChargeCategory.SERVICE_UNUSABLE,  # own service or a Monternet/SP service
    ChargeCategory.GOODWILL,
    ChargeCategory.OTHER,
}


def business_type_for(charge_category: ChargeCategory) -> BusinessDecision:
    """R-2: the business a charge category points to, for intake to pre-fill."""
    category = coerce(ChargeCategory, charge_category, "charge_category")
    if category in _UNDECIDED_CATEGORIES:
        return BusinessDecision(
            None,
            (
                f"R-2: {_words(category)} can be self-operated, partner or service error; "
                "the handler decides.",
            ),
        )
    if category is ChargeCategory.SERVICE_ERROR:
        kind, why = BusinessType.SERVICE_ERROR, "staff or agents explained or handled it wrongly"
    elif category in _PARTNER_CATEGORIES:
        kind, why = BusinessType.PARTNER, "the charge is for a service run with an SP (梦网)"
    else:
        kind, why = BusinessType.SELF_OPERATED, "the company's own voice, data or messaging billing"
    return BusinessDecision(kind, (f"R-2: {_words(category)} is a {_words(kind)} refund: {why}.",))


def _words(value: str) -> str:
    return value.replace("_", " ")


# R-6 -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AmountDecision:
    multiple: Multiple
    overcharge_fen: int  # charged - should have been charged, 0 when not positive
    refund_fen: int
    method: RefundMethod
    reasons: tuple[str, ...]


def refund_amount(
    *,
    liability: Liability,
    charge_category: ChargeCategory,
    charged_fen: int,
    should_have_charged_fen: int,
    requested_method: RefundMethod,
    requested_multiple: Multiple | None = None,
    cash_exception_reason: str | None = None,
) -> AmountDecision:
    """R-4, R-5, R-6: the multiple, the amount and the way of paying one refund."""
    liability = coerce(Liability, liability, "liability")
    category = coerce(ChargeCategory, charge_category, "charge_category")
    method = coerce(RefundMethod, requested_method, "method")
    charged = require_fen(charged_fen, "charged_fen", rule="R-5")
    should = require_fen(should_have_charged_fen, "should_have_charged_fen", rule="R-5")
    overcharge = max(charged - should, 0)
    liable = liability is Liability.COMPANY_LIABLE
    billing_error = category in BILLING_ERRORS
    reasons: list[str] = []

    if liable and billing_error and overcharge > 0:
        multiple = Multiple.DOUBLE
        reasons.append(
            f"R-4: {_words(category)} is a billing error, the company is liable and the "
            "customer was overcharged, so the refund is double (收费误差,双倍返还)."
        )
    else:
        multiple = Multiple.SINGLE
        if not liable:
            why = "the company is not liable, and a goodwill refund is single in principle (R-3)"
        elif not billing_error:
            why = f"{_words(category)} is not one of R-4's billing errors"
        else:
            why = "there is no overcharge to double"
        reasons.append(f"R-4: single refund because {why}.")

    paid = f"charged {yuan(charged)}, should have been charged {yuan(should)}"
    if overcharge == 0:
        refund = 0
        reasons.append(f"R-5: {paid}: nothing was overcharged, so nothing is refunded (0.00 yuan).")
    elif multiple is Multiple.DOUBLE:
        refund = 2 * overcharge
        reasons.append(
            f"R-5: {paid}; overcharge {yuan(overcharge)}, refund twice that: {yuan(refund)}, "
            "never more."
        )
    else:
        refund = overcharge
        reasons.append(f"R-5: {paid}; refund the difference once: {yuan(refund)}.")

    if requested_multiple is not None:
        asked = coerce(Multiple, requested_multiple, "multiple")
        if asked is not multiple:
            raise InvalidInput(
                f"R-6: the multiple cannot be changed: the rules make this a {multiple} refund, "
                f"not {asked}.",
                field="multiple",
            )
    paid_by = _method_reason(multiple, method, cash_exception_reason)  # refuses what R-6 forbids
    if refund:
        reasons.append(paid_by)
    return AmountDecision(multiple, overcharge, refund, method, tuple(reasons))


def _method_reason(multiple: Multiple, method: RefundMethod, cash_exception: str | None) -> str:
    exception = (cash_exception or "").strip()
    if method is RefundMethod.CASH:
        if multiple is Multiple.DOUBLE:
            raise InvalidInput(
                "R-6: a double refund goes to the account as credit and is never paid in cash.",
                field="method",
            )
        if not exception:
            raise InvalidInput(
                "R-6: single refunds go to the account as credit; cash only by a documented "
                "exception, and none was given.",
                field="method",
            )
        return f"R-6: paid in cash by exception: {exception}."
    if method is RefundMethod.BILL_ADJUSTMENT:
        return (
            "R-6: paid into the account by bill adjustment (调账) on next month's bill, not cash."
        )
    return "R-6: paid into the account as credit (账户充值), not cash."


# R-9 -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowDecision:
    flow: Flow
    clause: str  # the clause that decided: "R-7(a)".."R-7(d)", "R-8" or "R-9"
    clauses: tuple[str, ...]  # every R-7 clause that held, even when R-9 overrides them
    reasons: tuple[str, ...]


def refund_flow(
    *,
    is_monternet_or_own_vas: bool,
    settled_on_spot: bool,
    cause_unexplained_and_disputed: bool,
    tenure_days: int,
    good_credit: bool,
    first_fee_dispute_this_year: bool,
    refunds_last_3_months: int,
    is_special_customer: bool,
) -> FlowDecision:
    """R-7, R-8, R-9: refund first and verify later, or verify first."""
    tenure = require_count(tenure_days, "tenure_days", rule="R-7")
    recent = require_count(refunds_last_3_months, "refunds_last_3_months", rule="R-7")
    held = [
        (clause, why)
        for clause, why, holds in (
            (
                "R-7(a)",
                "a Monternet (梦网) or own value-added service charge the front desk could not "
                "settle or explain on the spot",
                is_monternet_or_own_vas and not settled_on_spot,
            ),
            (
                "R-7(b)",
                "the company cannot explain it, the cause cannot be found and the customer "
                "disputes it hard",
                cause_unexplained_and_disputed,
            ),
            (
                "R-7(c)",
                f"the customer has been on the network {tenure} days (1 year or more) with good "
                "credit",
                tenure >= ONE_YEAR_DAYS and good_credit,
            ),
            (
                "R-7(d)",
                "the customer's first fee dispute this year, with no refund in the last 3 months",
                first_fee_dispute_this_year and recent == 0,
            ),
        )
        if holds
    ]
    clauses = tuple(clause for clause, _ in held)
    if is_special_customer:
        overridden = f" although {', '.join(clauses)} would apply" if clauses else ""
        return FlowDecision(
            Flow.VERIFY_FIRST,
            "R-9",
            clauses,
            (
                "R-9: a special customer (K-1) is always verify first (先查证、后退费)"
                f"{overridden}.",
            ),
        )
    if held:
        clause, why = held[0]
        reasons = [f"{clause}: refund first, verify later (先退费、后查证): {why}."]
        reasons += [f"{other} also applies: {text}." for other, text in held[1:]]
        return FlowDecision(Flow.REFUND_FIRST, clause, clauses, tuple(reasons))
    return FlowDecision(
        Flow.VERIFY_FIRST,
        "R-8",
        (),
        (
            "R-8: none of R-7(a)-(d) applies, so verify first (先查证、后退费): find the cause, "
            "agree with the customer, refund what the company caused.",
        ),
    )


# R-11 quick refund -------------------------------------------------------------------------

# R-4's value-added charges and R-2's Monternet subscriptions: what R-7(a) calls "Monternet
# (梦网) services and the company's own value-added services"
VALUE_ADDED_CHARGES = frozenset(
    {
        ChargeCategory.UNKNOWING_SUBSCRIPTION,
        ChargeCategory.INFORMATION_FEE_ERROR,
        ChargeCategory.VAS_COUNT_OR_CHANNEL_ERROR,
        ChargeCategory.MMS_GPRS_TRAFFIC,
    }
)


def quick_refund_allowed(*, charge_category: ChargeCategory, names_a_service: bool) -> Decision:
    """R-11/R-7(a): the quick refund is for Monternet and own value-added charges only; an
    unusable service counts when the picked charges name the service (or its SP)."""
    category = coerce(ChargeCategory, charge_category, "charge_category")
    if category in VALUE_ADDED_CHARGES or (
        category is ChargeCategory.SERVICE_UNUSABLE and names_a_service
    ):
        return Decision(
            True,
            (f"R-11: {_words(category)} is a Monternet or value-added charge: R-7(a) applies.",),
        )
    return Decision(
        False,
        (
            f"R-11: the quick refund is only for Monternet and own value-added charges (R-7(a)); "
            f"{_words(category)} is not one. Take a refund work order with createRefund.",
        ),
    )


# K-4 ---------------------------------------------------------------------------------------


def goodwill_allowed(*, special: bool, verified_liability: Liability) -> Decision:
    """K-4: a special customer found not liable gets no goodwill refund, in principle."""
    liability = coerce(Liability, verified_liability, "verified_liability")
    if liability is Liability.COMPANY_LIABLE:
        return Decision(
            True,
            ("K-4: verification found the company liable, so the refund is due as the rules say.",),
        )
    if special:
        return Decision(
            False,
            (
                "K-4: verification found the company not liable and this is a special "
                "customer, so no goodwill refund in principle; only a documented, approved "
                "special decision (R-10) can make an exception.",
            ),
        )
    return Decision(
        True,
        (
            "K-4: not a special customer, so a goodwill refund is possible: single in "
            "principle (R-3).",
        ),
    )
