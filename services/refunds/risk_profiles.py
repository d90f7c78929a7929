"""K-1..K-3: every customer's risk profile, current the moment a refund is executed.

Kept, not recomputed: `refresh` runs inside the execution transaction (K-3: the refund that
makes a customer special already sees it) and stores the policy's decision in the customer's
`risk_profiles` row. Why stored: whether a customer is special can depend on a trigger long
ago that every later counted refund kept alive (K-2 exits only after three quiet months), so
a read over a bounded recent window alone would be wrong, and a read over the whole history
would cost as many rows as the customer ever had refunds.

Reading (`current`) costs two indexed look-ups: the profile row by customer, and that
customer's refunds since the first day of the month two months back (index
refunds(customer_id, executed_at)) for today's figures. K-2's exits need no writer: a reader
applies "today >= leaves_on" and a cancelled number itself.

Writing replays `policy.special_customer` from an anchor that gives the exact answer: the
first day of the month two months before `since` while special (every later refund kept the
run alive), else two months before today (nothing earlier can count again).

A change of the K-1 thresholds makes every stored profile stale at once: `recompute` replays
the whole history of a batch of customers under the new numbers, and risk_recompute.py runs
it over every stored profile in the worker, resumably.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise import connections

from services.customers.models import Customer, CustomerStatus
from services.refunds import clock, limits, policy
from services.refunds.models import Refund, RiskProfile


@dataclass(frozen=True)
class Profile:
    """A customer's place on the special-customer list as of one day, and why."""

    customer_id: int
    as_of: date
    special: bool
    since: date | None
    leaves_on: date | None
    left_on: date | None
    cancelled: bool
    triggered_by: tuple[str, ...]
    trigger_figures: policy.RiskFigures | None
    current: policy.RiskFigures
    reasons: tuple[str, ...]


async def current(customer: Customer, *, today: date | None = None) -> Profile:
    """The profile as of `today` (the operator's date now); reads, never writes."""
    return (await current_many([customer], today=today))[customer.id]


async def current_many(
    customers: Sequence[Customer], *, today: date | None = None
) -> dict[int, Profile]:
    """Profiles of several customers in two queries (for list pages and loaders)."""
    if not customers:
        return {}
    today = today or clock.local_date(clock.now())
    ids = [c.id for c in customers]
    rows = {r.customer_id: r for r in await RiskProfile.filter(customer_id__in=ids)}
    facts = await _facts(ids, since=clock.month_start(today, 2))
    thresholds = await limits.risk_thresholds()
    return {
        c.id: _profile(c, rows.get(c.id), facts.get(c.id, []), today, thresholds) for c in customers
    }


async def refresh(customer: Customer, *, at: datetime, refund_id: int | None = None) -> Profile:
    """Recompute and store the profile; call inside the transaction that executes a refund
    (after that refund's `executed_at` is written)."""
    row = await locked(customer, at=at)
    profile = await decide(row, customer, at=at, refund_id=refund_id)
    await row.save()
    return profile


_LOCKED_SQL = ""


async def locked(customer: Customer, *, at: datetime) -> RiskProfile:
    """The customer's profile row, made if it is missing, locked until the transaction ends
    (one statement): executions of one customer's refunds take turns here, so each sees the
    one before (K-3)."""
    global _LOCKED_SQL
    if not _LOCKED_SQL:
        columns = ", ".join(f'"{c}"' for c in RiskProfile._meta.fields_db_projection.values())
        _LOCKED_SQL = (
            "INSERT INTO risk_profiles (customer_id, special, triggered_by, trigger_figures, "
            "reasons, computed_on, updated_at) VALUES ($1, FALSE, '[]', '{}', '[]', $2, $3) "
            "ON CONFLICT (customer_id) DO UPDATE SET customer_id = EXCLUDED.customer_id "
            f"RETURNING {columns}"
        )
    today = clock.local_date(at)
    rows = await connections.get("default").execute_query_dict(
        _LOCKED_SQL, [customer.id, today, at]
    )
    return RiskProfile._init_from_db(**rows[0])


async def decide(
    row: RiskProfile,
    customer: Customer,
    *,
    at: datetime,
    refund_id: int | None = None,
    executing: policy.RefundFact | None = None,
    facts: list[policy.RefundFact] | None = None,
) -> Profile:
    """The profile as of `at`, set on the `locked` row (not written: the caller saves the
    STORED fields and `last_refund_id`). `executing`: the refund being executed, when its
    `executed_at` is not written yet (the execution writes it with the profile). `facts`: the
    customer's executed refunds from `window_since`, when the caller read them after the lock
    (read here otherwise)."""
    today = clock.local_date(at)
    if facts is None:
        since = window_since(row, today)
        facts = (await _facts([customer.id], since=since)).get(customer.id, [])
    if executing is not None:
        facts = sorted([*facts, executing], key=lambda fact: fact.executed_on)
    thresholds = await limits.risk_thresholds()
    _apply(row, customer, facts, today, thresholds)
    row.last_refund_id = refund_id if refund_id is not None else row.last_refund_id
    return _profile(customer, row, facts, today, thresholds)


async def recompute(
    customer_ids: Sequence[int], *, at: datetime, thresholds: policy.RiskThresholds
) -> int:
    """After the K-1 thresholds changed: replay the whole history of these customers' stored
    profiles under `thresholds` (inside the caller's transaction; rows locked in customer
    order). The stored `since` is no anchor here: the new numbers may move it. Returns how many
    customers joined or left the list."""
    today = clock.local_date(at)
    rows = (
        await RiskProfile.filter(customer_id__in=list(customer_ids))
        .select_for_update()
        .order_by("customer_id")
    )
    customers = {c.id: c for c in await Customer.filter(id__in=[r.customer_id for r in rows])}
    history = await _facts([r.customer_id for r in rows], since=None)
    flipped = 0
    for row in rows:
        before = row.special
        _apply(row, customers[row.customer_id], history.get(row.customer_id, []), today, thresholds)
        flipped += row.special != before
    if rows:
        await RiskProfile.bulk_update(rows, fields=STORED)  # one statement for the batch
    return flipped


STORED = (
    "special",
    "since",
    "leaves_on",
    "left_on",
    "triggered_by",
    "trigger_figures",
    "reasons",
    "computed_on",
)


def _apply(
    row: RiskProfile,
    customer: Customer,
    facts: list[policy.RefundFact],
    today: date,
    thresholds: policy.RiskThresholds,
) -> None:
    decision = policy.special_customer(
        refunds=facts,
        today=today,
        cancelled=customer.status == CustomerStatus.CANCELLED,
        thresholds=thresholds,
    )
    row.special = decision.special
    row.since = decision.since
    row.leaves_on = decision.leaves_on
    row.left_on = None if decision.special else (decision.left_on or row.left_on)
    row.triggered_by = list(decision.triggered_by)
    row.trigger_figures = _figures_json(decision.trigger_figures)
    row.reasons = list(decision.reasons)
    row.computed_on = today


def window_since(row: RiskProfile, today: date) -> date:
    """From when a customer's executed refunds can count for the `locked` row: the first day
    of the month two months before `since` while special, else before today."""
    anchor = row.since if row.special and row.since else today
    return clock.month_start(anchor, 2)


def fact_of(executed_at: datetime, fen: int, liability: str, roaming: bool) -> policy.RefundFact:
    """An executed refund as K-1 counts it (its columns executed_at, refund_fen, liability,
    border_roaming)."""
    return policy.RefundFact(
        executed_on=clock.local_date(executed_at),
        amount_fen=fen,
        liability=policy.Liability(liability),
        border_roaming=roaming,
    )


async def _facts(
    customer_ids: Sequence[int], *, since: date | None
) -> dict[int, list[policy.RefundFact]]:
    """Executed refunds of these customers from `since` (None: their whole history)."""
    found = Refund.filter(customer_id__in=list(customer_ids), executed_at__isnull=False)
    if since is not None:
        found = found.filter(executed_at__gte=clock.local_midnight(since))
    rows = await found.order_by("customer_id", "executed_at").values_list(
        "customer_id", "executed_at", "refund_fen", "liability", "border_roaming"
    )
    grouped: dict[int, list[policy.RefundFact]] = defaultdict(list)
    for customer_id, *columns in rows:
        grouped[customer_id].append(fact_of(*columns))
    return grouped


def special_on(stored: bool, leaves_on: date | None, customer: Customer, today: date) -> bool:
    """Whether the stored profile (its `special` and `leaves_on`) makes the customer special
    `today` (K-2: until leaves_on; never a cancelled number)."""
    cancelled = customer.status == CustomerStatus.CANCELLED
    return bool(stored and leaves_on and today < leaves_on and not cancelled)


def _profile(
    customer: Customer,
    row: RiskProfile | None,
    window: list[policy.RefundFact],
    today: date,
    thresholds: policy.RiskThresholds,
) -> Profile:
    cancelled = customer.status == CustomerStatus.CANCELLED
    recent = policy.special_customer(
        refunds=window, today=today, cancelled=cancelled, thresholds=thresholds
    )
    if row is not None and special_on(row.special, row.leaves_on, customer, today):
        return Profile(
            customer_id=customer.id,
            as_of=today,
            special=True,
            since=row.since,
            leaves_on=row.leaves_on,
            left_on=None,
            cancelled=False,
            triggered_by=tuple(row.triggered_by),
            trigger_figures=_figures(row.trigger_figures),
            current=recent.current,
            reasons=tuple(row.reasons),
        )
    left_on = None
    reasons = list(recent.reasons)
    if row is not None and not cancelled:
        left_on = row.leaves_on if row.special else row.left_on
        if left_on is not None and not any("left the special" in r for r in reasons):
            reasons.insert(
                0,
                f"K-2: left the special-customer list on {left_on.isoformat()} after "
                f"{thresholds.quiet_months_to_leave} calendar months with no counted refund.",
            )
    return Profile(
        customer_id=customer.id,
        as_of=today,
        special=False,
        since=None,
        leaves_on=None,
        left_on=left_on,
        cancelled=cancelled,
        triggered_by=(),
        trigger_figures=None,
        current=recent.current,
        reasons=tuple(reasons),
    )


def _figures_json(figures: policy.RiskFigures | None) -> dict[str, Any]:
    if figures is None:
        return {}
    return {
        "as_of": figures.as_of.isoformat(),
        "month_count": figures.month_count,
        "month_sum_fen": figures.month_sum_fen,
        "three_month_sum_fen": figures.three_month_sum_fen,
    }


def _figures(data: dict[str, Any]) -> policy.RiskFigures | None:
    if not data:
        return None
    return policy.RiskFigures(
        as_of=date.fromisoformat(data["as_of"]),
        month_count=data["month_count"],
        month_sum_fen=data["month_sum_fen"],
        three_month_sum_fen=data["three_month_sum_fen"],
    )
