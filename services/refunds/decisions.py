"""What the rules decide for one refund request: the same function answers creating a refund,
verifying it, changing its amount, and the read-only policy preview.

`customer_facts` reads what R-7, R-9, R-12 and R-13 need to know about the customer (indexed
reads of that customer's own refunds, and the risk profile); `decide` composes the pure
policy functions over those facts and writes nothing.

Where the rulebook leaves room, these readings hold (each is one line below to change):
- R-7(d) "first fee dispute this year": no other refund of the customer was requested in
  this calendar year (any outcome); "no refund in the last 3 months": none executed in this
  calendar month or the two before (K-1's reading of "the last three months").
- R-12 band 0 "the customer's first refund": no refund of the customer was ever executed.
- R-13 "VIP、贵宾客户": every tier above ordinary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.customers.models import CreditStanding, Customer
from services.errors import ErrorCode, InvalidInput
from services.permissions.facts import VIP_TIERS  # R-13's "VIP、贵宾客户"
from services.refunds import clock, policy, risk_profiles
from services.refunds.models import Refund
from services.refunds.policy import (
    BusinessType,
    ChargeCategory,
    Liability,
    Multiple,
    RefundMethod,
)


@dataclass(frozen=True)
class CustomerFacts:
    """What the rules need to know about the customer at the moment of deciding."""

    tier: policy.CustomerTier
    vip: bool
    tenure_days: int
    good_credit: bool
    first_fee_dispute_this_year: bool  # R-7(d): no other refund requested this calendar year
    refunds_last_3_months: int  # R-7(d): executed this calendar month and the two before
    first_refund: bool  # R-12 band 0: no refund ever executed
    special: bool  # K-1, for R-9 and K-4


@dataclass(frozen=True)
class RefundRequest:
    """What the handler says about the refund; amounts in fen."""

    liability: Liability
    charge_category: ChargeCategory
    charged_fen: int
    should_have_charged_fen: int
    method: RefundMethod = RefundMethod.ACCOUNT_CREDIT
    business_type: BusinessType | None = None
    multiple: Multiple | None = None
    cash_exception_reason: str = ""
    is_monternet_or_own_vas: bool = False
    settled_on_spot: bool = False
    cause_unexplained_and_disputed: bool = False
    cause_unknown_on_spot: bool = False


@dataclass(frozen=True)
class RefundDecision:
    """Every rule's answer for one request, with the reasons a person can read back."""

    business_type: BusinessType
    amount: policy.AmountDecision
    flow: policy.FlowDecision
    band: policy.BandDecision | None  # None when nothing is to be refunded
    deadlines: policy.DeadlineRule
    goodwill: policy.Decision  # K-4: whether a not-liable outcome may still be refunded
    facts: CustomerFacts
    business_reasons: tuple[str, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        band = self.band.reasons if self.band else ()
        return (
            *self.business_reasons,
            *self.amount.reasons,
            *self.flow.reasons,
            *band,
            *self.deadlines.reasons,
        )


async def customer_facts(
    customer: Customer, *, at: datetime | None = None, exclude_refund_id: int | None = None
) -> CustomerFacts:
    """Read the customer's facts; each count is an index range on that customer's refunds."""
    at = at or clock.now()
    today = clock.local_date(at)
    own = Refund.filter(customer_id=customer.id)
    if exclude_refund_id is not None:
        own = own.exclude(id=exclude_refund_id)
    recent = await own.filter(
        executed_at__gte=clock.local_midnight(clock.month_start(today, 2))
    ).count()
    refunded_before = await own.filter(executed_at__isnull=False).exists()
    disputed_this_year = await own.filter(
        created_at__gte=clock.local_midnight(date(today.year, 1, 1))
    ).exists()
    profile = await risk_profiles.current(customer, today=today)
    return facts_of(
        customer,
        today=today,
        recent=recent,
        refunded_before=refunded_before,
        disputed_this_year=disputed_this_year,
        special=profile.special,
    )


def facts_of(
    customer: Customer,
    *,
    today: date,
    recent: int,
    refunded_before: bool,
    disputed_this_year: bool,
    special: bool,
) -> CustomerFacts:
    """The facts from what was read (`customer_facts`, or a use case's own statement that
    reads the same counts): executed refunds this month and the two before, whether any was
    ever executed, whether one was requested this calendar year, the K-1 profile's answer."""
    return CustomerFacts(
        tier=policy.CustomerTier(customer.tier),
        vip=customer.tier in VIP_TIERS,
        tenure_days=max((today - customer.joined_on).days, 0),
        good_credit=customer.credit_standing == CreditStanding.GOOD,
        first_fee_dispute_this_year=not disputed_this_year,
        refunds_last_3_months=recent,
        first_refund=not refunded_before,
        special=special,
    )


def decide(
    request: RefundRequest, facts: CustomerFacts, *, bands: policy.ApprovalBands
) -> RefundDecision:
    """R-2..R-9, R-12, R-13 and K-4 for this request; raises InvalidInput for what R-6 forbids."""
    category = policy.coerce(ChargeCategory, request.charge_category, "chargeCategory")
    business = policy.business_type_for(category)
    kind = (
        policy.coerce(BusinessType, request.business_type, "businessType")
        if request.business_type
        else business.business_type
    )
    if kind is None:
        raise InvalidInput(business.reasons[0], code=ErrorCode.REQUIRED, field="businessType")
    business_reasons = (
        business.reasons
        if request.business_type is None
        else (f"R-2: the handler classed it as a {kind.value.replace('_', ' ')} refund.",)
    )
    amount, band = reprice(request, bands=bands, first_refund=facts.first_refund, category=category)
    flow = policy.refund_flow(
        is_monternet_or_own_vas=request.is_monternet_or_own_vas,
        settled_on_spot=request.settled_on_spot,
        cause_unexplained_and_disputed=request.cause_unexplained_and_disputed,
        tenure_days=facts.tenure_days,
        good_credit=facts.good_credit,
        first_fee_dispute_this_year=facts.first_fee_dispute_this_year,
        refunds_last_3_months=facts.refunds_last_3_months,
        is_special_customer=facts.special,
    )
    return RefundDecision(
        business_type=kind,
        amount=amount,
        flow=flow,
        band=band,
        deadlines=policy.refund_deadlines(flow=flow.flow, vip=facts.vip, method=amount.method),
        goodwill=policy.goodwill_allowed(
            special=facts.special, verified_liability=request.liability
        ),
        facts=facts,
        business_reasons=business_reasons,
    )


def reprice(
    request: RefundRequest,
    *,
    bands: policy.ApprovalBands,
    first_refund: bool,
    category: ChargeCategory | None = None,
) -> tuple[policy.AmountDecision, policy.BandDecision | None]:
    """R-4, R-5, R-6 and R-12: the amount and its approval band (None when nothing is due)."""
    amount = policy.refund_amount(
        liability=request.liability,
        charge_category=category or request.charge_category,
        charged_fen=request.charged_fen,
        should_have_charged_fen=request.should_have_charged_fen,
        requested_method=request.method,
        requested_multiple=request.multiple,
        cash_exception_reason=request.cash_exception_reason,
    )
    if amount.refund_fen == 0:
        return amount, None
    band = policy.approval_band(
        amount_fen=amount.refund_fen,
        liability=request.liability,
        cause_unknown_on_spot=request.cause_unknown_on_spot,
        first_refund=first_refund,
        bands=bands,
    )
    return amount, band
