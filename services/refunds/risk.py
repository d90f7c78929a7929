"""K-1, K-2: the special-customer list (投诉退费特殊客户), from a number's refund history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.refunds.kinds import Liability, coerce, require_count, require_fen, yuan


@dataclass(frozen=True, slots=True)
class RefundFact:
    """One executed refund of the number, as K-1 needs to see it."""

    executed_on: date
    amount_fen: int
    liability: Liability
    border_roaming: bool = False


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """K-1/K-2's configurable numbers; sums are inclusive ("超过100元(含100元)")."""

    count_in_month: int = 3  # "达到3次以上": 以上 includes the number, so >= 3
    month_sum_fen: int = 10000
    three_month_sum_fen: int = 10000
    quiet_months_to_leave: int = 3

    def __post_init__(self) -> None:
        require_count(self.count_in_month, "count_in_month", minimum=1, rule="K-1")
        require_fen(self.month_sum_fen, "month_sum_fen", minimum=1, rule="K-1")
        require_fen(self.three_month_sum_fen, "three_month_sum_fen", minimum=1, rule="K-1")
        require_count(self.quiet_months_to_leave, "quiet_months_to_leave", minimum=1, rule="K-2")


DEFAULT_RISK_THRESHOLDS = RiskThresholds()


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """Counted refunds (K-1's exclusions applied) as of one day."""

    as_of: date
    month_count: int  # in the calendar month of as_of, up to as_of
    month_sum_fen: int
    three_month_sum_fen: int  # that month and the two before it, up to as_of


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """K-1/K-2: whether the number is a special customer today, since when, until when, and why."""

    special: bool
    since: date | None  # the refund that made it special (K-3: that refund already sees it)
    leaves_on: date | None  # first day off the list if no further counted refund comes
    left_on: date | None  # when it last left the list, if it was special before and is not now
    triggered_by: tuple[str, ...]  # "count_in_month", "month_sum", "three_month_sum"
    trigger_figures: RiskFigures | None  # the figures at `since`
    current: RiskFigures  # the figures as of today
    reasons: tuple[str, ...]


def counts_for_risk(fact: RefundFact) -> bool:
    """K-1: company-liable and border-roaming refunds do not count."""
    return coerce(Liability, fact.liability, "liability") is Liability.NOT_LIABLE and not (
        fact.border_roaming
    )


def in_last_three_months(day: date, today: date) -> bool:
    """K-1: "the last three months" is today's calendar month and the two before it, up to today."""
    return day <= today and 0 <= _month(today) - _month(day) <= 2


def special_customer(
    *,
    refunds: Sequence[RefundFact],
    today: date,
    cancelled: bool = False,
    thresholds: RiskThresholds = DEFAULT_RISK_THRESHOLDS,
) -> RiskDecision:
    """K-1, K-2: the number's place on the special-customer list as of `today`.

    Only counted refunds (not company liable, not border roaming) executed on or before
    `today` are seen, so the same call replays any past day. The history is walked refund by
    refund: after each one, K-1 is checked over (a) the refunds in that refund's calendar month,
    by count and by sum, and (b) the sum over "the last three months", meaning that calendar
    month and the two before it (e.g. for a refund on 20 March: 1 January to 20 March). The
    refund that meets a threshold makes the number special from its own date (K-3). A special
    number leaves (K-2) on the first day of the month after `quiet_months_to_leave` whole
    calendar months with no counted refund (last refund in January -> leaves on 1 May), or at
    once when the number is cancelled.
    """
    for fact in refunds:
        require_fen(fact.amount_fen, "refunds", rule="K-1")
    seen = [fact for fact in refunds if fact.executed_on <= today]
    counted = sorted((fact for fact in seen if counts_for_risk(fact)), key=lambda f: f.executed_on)
    reasons = _exclusion_reasons(seen)
    current = _figures(counted, today)

    since: date | None = None
    left_on: date | None = None
    triggered: tuple[str, ...] = ()
    trigger_figures: RiskFigures | None = None
    for index, fact in enumerate(counted):
        if since is not None and fact.executed_on >= _leave_day(counted[index - 1], thresholds):
            since, left_on = None, _leave_day(counted[index - 1], thresholds)
        if since is None:
            figures = _figures(counted[: index + 1], fact.executed_on)
            hits = _triggers(figures, thresholds)
            if hits:
                since, triggered, trigger_figures = fact.executed_on, hits, figures
    if since is not None and today >= _leave_day(counted[-1], thresholds):
        since, left_on = None, _leave_day(counted[-1], thresholds)

    if cancelled:
        reasons.append("K-2: the number is cancelled, so it is off the special-customer list.")
        return RiskDecision(False, None, None, None, (), None, current, tuple(reasons))
    if since is None:
        if left_on is not None:
            reasons.append(
                f"K-2: left the special-customer list on {left_on.isoformat()} after "
                f"{thresholds.quiet_months_to_leave} calendar months with no counted refund."
            )
        reasons.append(f"K-1: not a special customer: {_figures_words(current, thresholds)}.")
        return RiskDecision(False, None, None, left_on, (), None, current, tuple(reasons))

    assert trigger_figures is not None
    leaves_on = _leave_day(counted[-1], thresholds)
    reasons.append(
        f"K-1: special customer since {since.isoformat()}: "
        f"{_trigger_words(triggered, trigger_figures, thresholds)}."
    )
    reasons.append(
        f"K-2: leaves the list on {leaves_on.isoformat()} unless another counted refund comes "
        "before then; a cancelled number leaves at once."
    )
    return RiskDecision(
        True, since, leaves_on, None, triggered, trigger_figures, current, tuple(reasons)
    )


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first_of_month(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def _leave_day(last: RefundFact, thresholds: RiskThresholds) -> date:
    return _first_of_month(_month(last.executed_on) + thresholds.quiet_months_to_leave + 1)


def _figures(counted: Sequence[RefundFact], as_of: date) -> RiskFigures:
    month = [
        f.amount_fen
        for f in counted
        if f.executed_on <= as_of and _month(f.executed_on) == _month(as_of)
    ]
    quarter = [f.amount_fen for f in counted if in_last_three_months(f.executed_on, as_of)]
    return RiskFigures(as_of, len(month), sum(month), sum(quarter))


def _triggers(figures: RiskFigures, thresholds: RiskThresholds) -> tuple[str, ...]:
    return tuple(
        name
        for name, held in (
            ("count_in_month", figures.month_count >= thresholds.count_in_month),
            ("month_sum", figures.month_sum_fen >= thresholds.month_sum_fen),
            ("three_month_sum", figures.three_month_sum_fen >= thresholds.three_month_sum_fen),
        )
        if held
    )


def _month_words(day: date, back: int = 0) -> str:
    start = _first_of_month(_month(day) - back)
    if back == 0:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m} to {day:%Y-%m}"


def _trigger_words(
    triggered: tuple[str, ...], figures: RiskFigures, thresholds: RiskThresholds
) -> str:
    words = {
        "count_in_month": (
            f"{figures.month_count} counted refunds in {_month_words(figures.as_of)} "
            f"(threshold {thresholds.count_in_month})"
        ),
        "month_sum": (
            f"counted refunds in {_month_words(figures.as_of)} add up to "
            f"{yuan(figures.month_sum_fen)} (threshold {yuan(thresholds.month_sum_fen)})"
        ),
        "three_month_sum": (
            f"counted refunds in {_month_words(figures.as_of, 2)} add up to "
            f"{yuan(figures.three_month_sum_fen)} "
            f"(threshold {yuan(thresholds.three_month_sum_fen)})"
        ),
    }
    return "; ".join(words[name] for name in triggered)


def _figures_words(figures: RiskFigures, thresholds: RiskThresholds) -> str:
    return (
        f"{figures.month_count} counted refund(s) totalling {yuan(figures.month_sum_fen)} in "
        f"{_month_words(figures.as_of)} and {yuan(figures.three_month_sum_fen)} in "
        f"{_month_words(figures.as_of, 2)} (thresholds: {thresholds.count_in_month} refunds "
        f"in a month, {yuan(thresholds.month_sum_fen)} in the month, "
        f"{yuan(thresholds.three_month_sum_fen)} in three months)"
    )


def _exclusion_reasons(seen: Sequence[RefundFact]) -> list[str]:
    skipped = [f for f in seen if not counts_for_risk(f)]
    if not skipped:
        return []
    roaming = sum(1 for f in skipped if f.border_roaming)
    return [
        f"K-1: {len(skipped)} refund(s) not counted: company-liable and border-roaming refunds "
        f"do not count ({roaming} of them border roaming)."
    ]
