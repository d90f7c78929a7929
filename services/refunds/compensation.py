"""R-10: compensation beyond the refund; for now the visit gift and its allowance per tier."""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput
from services.refunds.kinds import CustomerTier, Decision, coerce, require_fen, yuan


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
    *, tier: CustomerTier, value_fen: int, allowances: GiftAllowances = DEFAULT_GIFT_ALLOWANCES
) -> Decision:
    """R-10: a gift within the tier's allowance is allowed; over it raises InvalidInput."""
    value = require_fen(value_fen, "value_fen", rule="R-10")
    tier = coerce(CustomerTier, tier, "tier")
    ceiling = gift_allowance_fen(tier, allowances)
    who = _GIFT_CLASS[tier][1]
    if value > ceiling:
        raise InvalidInput(
            f"R-10: a gift for a {who} may be worth at most {yuan(ceiling)}; "
            f"{yuan(value)} is over.",
            field="value_fen",
        )
    return Decision(
        True,
        (
            f"R-10: a gift of {yuan(value)} is within the {yuan(ceiling)} allowed for a {who}; "
            "it never replaces a due refund and is recorded on the complaint.",
        ),
    )
