"""A customer's refund risk profile (K-1..K-3) as a frontend sees it."""

from __future__ import annotations

from datetime import date

import strawberry

from graphql_schema.wording import localize_all
from services.refunds import policy
from services.refunds.risk_profiles import Profile


@strawberry.type(
    description="K-1's figures: counted refunds (company-liable and border-roaming "
    "refunds excluded) as of one day."
)
class RiskFigures:
    as_of: date = strawberry.field(description="The day the figures are counted up to.")
    month_count: int = strawberry.field(description="Counted refunds in that calendar month.")
    month_sum_fen: int = strawberry.field(description="Their sum in fen.")
    three_month_sum_fen: int = strawberry.field(
        description="Counted refunds in that month and the two before it, in fen."
    )

    @classmethod
    def of(cls, figures: policy.RiskFigures | None) -> RiskFigures | None:
        if figures is None:
            return None
        return cls(
            as_of=figures.as_of,
            month_count=figures.month_count,
            month_sum_fen=figures.month_sum_fen,
            three_month_sum_fen=figures.three_month_sum_fen,
        )


@strawberry.type(
    description="A customer's place on the special-customer list (投诉退费特殊客户, K-1..K-3), "
    "current the moment a refund is executed. A special customer's refunds are verify first "
    "(R-9) and get no goodwill refund when found not liable (K-4)."
)
class RiskProfile:
    special: bool = strawberry.field(description="On the special-customer list today (K-1).")
    since: date | None = strawberry.field(
        description="The day of the refund that made the customer special (K-3)."
    )
    leaves_on: date | None = strawberry.field(
        description="The first day off the list if no counted refund comes first (K-2: three "
        "refund-free calendar months)."
    )
    left_on: date | None = strawberry.field(description="When the customer last left the list.")
    cancelled: bool = strawberry.field(description="The number is cancelled (K-2: off the list).")
    triggered_by: list[str] = strawberry.field(
        description="Which K-1 thresholds made it special: count_in_month, month_sum, "
        "three_month_sum."
    )
    trigger_figures: RiskFigures | None = strawberry.field(
        description="The counts and sums that made the customer special, as of `since`."
    )
    current: RiskFigures = strawberry.field(description="The counts and sums as of today.")
    reasons: list[str] = strawberry.field(
        description="Why, citing K-1 and K-2, in words: Chinese, or English by "
        "`Accept-Language: en`."
    )
    as_of: date = strawberry.field(description="The operator's date the profile is read for.")

    @classmethod
    def of(cls, profile: Profile) -> RiskProfile:
        current = RiskFigures.of(profile.current)
        assert current is not None
        return cls(
            special=profile.special,
            since=profile.since,
            leaves_on=profile.leaves_on,
            left_on=profile.left_on,
            cancelled=profile.cancelled,
            triggered_by=list(profile.triggered_by),
            trigger_figures=RiskFigures.of(profile.trigger_figures),
            current=current,
            reasons=localize_all(profile.reasons),
            as_of=profile.as_of,
        )
