"""R-11 verification: cause, measures, refund yes/no, amount; stored whole on the refund.

`what_is_due` asks the rules what the verification's findings make due (K-4 for special
customers, R-4/R-5 on the amounts found, R-12 band); `record` stores the findings and that
amount. What happens next is changes.verify_refund's: verify first moves on or is declined;
refund first (后查证) is stopped before execution when nothing is due, re-priced when another
amount is, and after execution what was paid beyond the amount due becomes a recovery finding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput
from services.refunds import limits, policy, workflow
from services.refunds.decisions import RefundRequest, customer_facts, reprice
from services.refunds.models import Refund
from services.refunds.policy import ChargeCategory, Liability
from services.staff.models import Staff


@dataclass(frozen=True)
class Verification:
    """R-11 verification: cause, measures, refund yes/no, and the liability and amounts found."""

    cause: str
    measures: str
    refund_due: bool
    liability: Liability
    charge_category: ChargeCategory | None = None
    charged_fen: int | None = None
    should_have_charged_fen: int | None = None


@dataclass(frozen=True)
class Due:
    """What the rules make due on the verification's findings."""

    request: RefundRequest  # the refund as verified: liability, category, amounts
    amount: policy.AmountDecision | None  # None when no refund is due at all
    band: policy.BandDecision | None  # None when nothing is due
    why: str  # in a line: why this much is due, or why nothing is
    reasons: tuple[str, ...] = ()  # every rule's reasons, when something is due

    @property
    def fen(self) -> int:
        return self.amount.refund_fen if self.amount and self.band else 0


def request_of(refund: Refund) -> RefundRequest:
    """The refund as the rules' input, to decide it again on changed facts."""
    return RefundRequest(
        liability=refund.liability,
        charge_category=refund.charge_category,
        charged_fen=refund.charged_fen,
        should_have_charged_fen=refund.should_have_charged_fen,
        method=refund.method,
        cash_exception_reason=refund.cash_exception_reason,
        cause_unknown_on_spot=refund.cause_unknown_on_spot,
    )


def check_verifiable(refund: Refund) -> None:
    """Once per refund: verify first while VERIFYING, refund first before or after execution."""
    workflow.check_verify(refund.flow, refund.status, verified=refund.verified_at is not None)


async def what_is_due(refund: Refund, outcome: Verification, *, at: datetime) -> Due:
    """K-4, then R-4/R-5/R-12 on the amounts found (the refund's own where none are given)."""
    if not outcome.cause.strip():
        raise InvalidInput("Say what caused it.", code=ErrorCode.REQUIRED, field="cause")
    for name in ("charged_fen", "should_have_charged_fen"):
        if getattr(outcome, name) is not None:
            policy.require_fen(getattr(outcome, name), name, rule="R-5")
    liability = policy.coerce(Liability, outcome.liability, "liability")
    request = replace(
        request_of(refund),
        liability=liability,
        charge_category=outcome.charge_category or refund.charge_category,
        charged_fen=refund.charged_fen if outcome.charged_fen is None else outcome.charged_fen,
        should_have_charged_fen=refund.should_have_charged_fen
        if outcome.should_have_charged_fen is None
        else outcome.should_have_charged_fen,
    )
    if not outcome.refund_due:
        return Due(request, None, None, outcome.cause.strip())
    customer = await Customer.get(id=refund.customer_id)
    facts = await customer_facts(customer, at=at, exclude_refund_id=refund.id)
    goodwill = policy.goodwill_allowed(
        special=refund.special_customer or facts.special, verified_liability=liability
    )
    if not goodwill.allowed:
        return Due(request, None, None, goodwill.reasons[0])
    amount, band = reprice(request, bands=await limits.bands(), first_refund=refund.first_refund)
    if band is None:
        return Due(request, amount, None, amount.reasons[-1])  # nothing overcharged
    reasons = (*goodwill.reasons, *amount.reasons, *band.reasons)
    r5 = next(reason for reason in amount.reasons if reason.startswith("R-5"))
    return Due(request, amount, band, r5, reasons)


def record(refund: Refund, actor: Staff, outcome: Verification, due: Due, *, at: datetime) -> None:
    """Store the verification whole (R-11): who, when, cause, measures, yes/no, findings, due."""
    refund.verified_by = actor
    refund.verified_at = at
    refund.verification_cause = outcome.cause.strip()
    refund.verification_measures = outcome.measures.strip()
    refund.verification_refund_due = outcome.refund_due
    refund.verification_liability = due.request.liability
    refund.verification_charge_category = due.request.charge_category
    refund.verification_charged_fen = due.request.charged_fen
    refund.verification_should_have_charged_fen = due.request.should_have_charged_fen
    refund.verification_due_fen = due.fen
