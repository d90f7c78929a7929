"""R-10: compensation beyond the refund: the conditions of each kind, pure.

Each check returns the reasons it is allowed, or raises `BeyondRules` (an InvalidInput naming
the field) when R-10 does not allow it: the service then refuses it, or records it as a
demand beyond the rules when a special decision is documented ("a customer demanding more
than the rules allow gets the single/double refund only, unless a documented special
decision is approved").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.errors import ErrorCode, InvalidInput
from services.refunds.bands import DEFAULT_BANDS, HIGHEST_BAND, ApprovalBands, approval_band
from services.refunds.kinds import CustomerTier, Decision, Liability, coerce, require_fen, yuan


class BeyondRules(InvalidInput):
    """R-10 does not allow this compensation; only an approved special decision could."""


@dataclass(frozen=True, slots=True)
class GiftAllowances:
    """R-10's configurable gift ceilings in fen, inclusive ("200元以内")."""

    mid_high_end_fen: int = 20000
    group_fen: int = 15000
    ordinary_fen: int = 10000

    def __post_init__(self) -> None:
        for field in ("mid_high_end_fen", "group_fen", "ordinary_fen"):
            require_fen(getattr(self, field), field, rule="R-10")


DEFAULT_GIFT_ALLOWANCES = GiftAllowances()

# gold-card-or-above customers are the top of the mid/high-end segment; government contacts
# are served as government-and-enterprise (政企) group customers
_GIFT_CLASS: dict[CustomerTier, tuple[str, str]] = {
    CustomerTier.ORDINARY: ("ordinary_fen", "ordinary customer"),
    CustomerTier.MID_HIGH_END: ("mid_high_end_fen", "mid/high-end customer"),
    CustomerTier.GOLD_AND_ABOVE: ("mid_high_end_fen", "mid/high-end customer (gold card or above)"),
    CustomerTier.GROUP_CONTACT: ("group_fen", "group customer"),
    CustomerTier.GOVERNMENT_CONTACT: ("group_fen", "group customer (government contact)"),
}


def gift_allowance_fen(
    tier: CustomerTier, allowances: GiftAllowances = DEFAULT_GIFT_ALLOWANCES
) -> int:
    """R-10: the most a visit gift may be worth for this tier, in fen."""
    field, _ = _GIFT_CLASS[coerce(CustomerTier, tier, "tier")]
    value: int = getattr(allowances, field)
    return value


def check_gift(
    *,
    tier: CustomerTier,
    value_fen: int,
    allowances: GiftAllowances = DEFAULT_GIFT_ALLOWANCES,
    already_given_fen: int = 0,
) -> Decision:
    """R-10: gifts on one complaint add up to at most the tier's allowance; over it raises
    BeyondRules."""
    value = require_fen(value_fen, "value_fen", rule="R-10")
    given = require_fen(already_given_fen, "already_given_fen", rule="R-10")
    tier = coerce(CustomerTier, tier, "tier")
    ceiling = gift_allowance_fen(tier, allowances)
    who = _GIFT_CLASS[tier][1]
    if given + value > ceiling:
        before = f" on top of {yuan(given)} already given on this complaint" if given else ""
        raise BeyondRules(
            f"R-10: gifts for a {who} may be worth at most {yuan(ceiling)} in all; "
            f"{yuan(value)}{before} is over.",
            field="value_fen",
        )
    return Decision(
        True,
        (
            f"R-10: a gift of {yuan(value)} keeps this complaint's gifts within the "
            f"{yuan(ceiling)} allowed for a {who}; it never replaces a due refund and is "
            "recorded on the complaint.",
        ),
    )


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    """What R-10's conditions ask of the complaint, read from the database."""

    escalated: bool  # an ESCALATED urgency reason is on the complaint
    company_liable: bool  # a company-liable refund on it, not refused
    voice: bool  # a voice or network fault complaint
    unresolved: bool  # not yet resolved
    lodged_on: date


def check_visit_gift(*, visited_on: date | None, today: date) -> tuple[str, ...]:
    """R-10: "a handler visiting the customer brings a gift"."""
    if visited_on is None:
        raise InvalidInput(
            "R-10: a visit gift names the day the handler visited the customer.",
            code=ErrorCode.REQUIRED,
            field="visitedOn",
        )
    if visited_on > today:
        raise InvalidInput("The visit cannot be in the future.", field="visitedOn")
    return (f"R-10: the handler visited the customer on {visited_on.isoformat()}.",)


def check_settled_on_site_gift(*, facts: ComplaintFacts, exposed_problem: str) -> tuple[str, ...]:
    """R-10: a gift "for an escalated, company-liable complaint settled on site where the
    customer's input exposed a real problem"."""
    if not exposed_problem.strip():
        raise InvalidInput(
            "R-10: say what real problem the customer's input exposed.",
            code=ErrorCode.REQUIRED,
            field="exposedProblem",
        )
    _require_escalated_and_liable(facts, "a gift settled on site")
    return (
        "R-10: an escalated, company-liable complaint settled on site where the customer's "
        "input exposed a real problem.",
    )


def check_travel_fare(*, facts: ComplaintFacts, transport_is_city_bus: bool) -> tuple[str, ...]:
    """R-10: fares of a customer who came in for an escalated, company-liable complaint, on an
    invoice, city buses excepted."""
    if transport_is_city_bus:
        raise BeyondRules(
            "R-10: city bus fares are excepted; name the coach, taxi or metro fare.",
            field="transport",
        )
    _require_escalated_and_liable(facts, "travel fares are credited")
    return ("R-10: travel fare of an escalated, company-liable complaint, on invoice.",)


def check_missed_call_waiver(
    *, facts: ComplaintFacts, caused_by_company: bool, today: date, three_months_on: date
) -> tuple[str, ...]:
    """R-10: a year of missed-call alert when voice service affected by the company is still
    unresolved 3 months after the complaint."""
    if not (facts.voice and caused_by_company):
        raise BeyondRules(
            "R-10: a year of missed-call alert is waived only when the company caused the "
            "voice outage (a voice or network fault complaint, outageCause COMPANY).",
            field="outageCause",
        )
    if today < three_months_on or not facts.unresolved:
        raise BeyondRules(
            "R-10: a year of missed-call alert is waived only when voice service is still "
            f"unresolved 3 months after the complaint (from {three_months_on.isoformat()}).",
            field="waiver",
        )
    return ("R-10: voice affected by the company, unresolved 3 months on: one year waived.",)


def check_function_fee_waiver(*, caused: bool) -> tuple[str, ...]:
    """R-10: a subscribed service unusable "because of the company or a partner"."""
    if not caused:
        raise BeyondRules(
            "R-10: a function fee is waived only when the company or a partner made the "
            "service unusable (outageCause COMPANY or PARTNER).",
            field="outageCause",
        )
    return ("R-10: function fee of an unusable subscribed service waived for the period.",)


def _require_escalated_and_liable(facts: ComplaintFacts, what: str) -> None:
    if not (facts.escalated and facts.company_liable):
        raise BeyondRules(
            f"R-10: {what} only for an escalated, company-liable complaint.", field="kind"
        )


def special_decision_band(
    *, value_fen: int, liability: Liability, bands: ApprovalBands = DEFAULT_BANDS
) -> int:
    """R-10 beyond the rules: a special decision is approved by the band above the one its
    value would fall in as a refund (R-12), band 4 at most."""
    band = approval_band(
        amount_fen=value_fen, liability=liability, cause_unknown_on_spot=False, first_refund=False
    ).band
    return min(band + 1, HIGHEST_BAND)
