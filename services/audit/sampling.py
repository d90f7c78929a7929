"""Samples of executed refunds for human review (A-1): simple random, stratified (by approval
band or by risk), and monetary-unit sampling. Pure and deterministic.

The same population, seed and parameters always give the same refunds, on any machine and
Python version: randomness is SHA-256 of "seed:refund id" (a rank; the lowest ranks are drawn)
and integer arithmetic, never `random`. The population is passed in refund-id order; its
digest (ids and amounts) is stored with the sample, so a later redraw can tell whether the
population itself changed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.errors import InvalidInput

MAX_SIZE = 200


@dataclass(frozen=True)
class Unit:
    """One executed refund of the population."""

    refund_id: int
    amount_fen: int
    band: int
    special: bool  # a special customer (K-1) when it was requested


@dataclass(frozen=True)
class Pick:
    refund_id: int
    stratum: str = ""
    hits: int = 1  # monetary-unit sampling: how many sampled units fell in this refund


@dataclass(frozen=True)
class Draw:
    picks: tuple[Pick, ...]
    population_count: int
    population_fen: int
    digest: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def refund_ids(self) -> list[int]:
        return [pick.refund_id for pick in self.picks]


def rank(seed: int, refund_id: int) -> int:
    """A refund's place in the seed's random order: the first 8 bytes of SHA-256."""
    digest = hashlib.sha256(f"{seed}:{refund_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def digest(units: Sequence[Unit]) -> str:
    text = ",".join(f"{u.refund_id}:{u.amount_fen}" for u in sorted(units, key=_by_id))
    return hashlib.sha256(text.encode()).hexdigest()


def _by_id(unit: Unit) -> int:
    return unit.refund_id


def _check(units: Sequence[Unit], size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"The sample size is 1 to {MAX_SIZE}.", field="size")
    if not units:
        raise InvalidInput(
            "No executed refund falls in the period: nothing to sample.", field="period"
        )


def _draw(units: Sequence[Unit], picks: list[Pick], details: dict[str, Any]) -> Draw:
    return Draw(
        picks=tuple(picks),
        population_count=len(units),
        population_fen=sum(u.amount_fen for u in units),
        digest=digest(units),
        details=details,
    )


def simple_random(units: Sequence[Unit], *, size: int, seed: int) -> Draw:
    """Every refund equally likely: the `size` lowest ranks, in rank order."""
    _check(units, size)
    chosen = sorted(units, key=lambda u: rank(seed, u.refund_id))[:size]
    return _draw(units, [Pick(u.refund_id) for u in chosen], {})


def stratum_of(unit: Unit, by: str) -> str:
    if by == "band":
        return f"band{unit.band}"
    if by == "risk":
        return "special" if unit.special else "ordinary"
    raise InvalidInput("Stratify by band or by risk.", field="strata")


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Proportional allocation by largest remainder; every stratum gets at least one when the
    sample is big enough, and none gets more than it holds."""
    population = sum(sizes.values())
    total = min(total, population)
    names = sorted(sizes)
    floor = 1 if total >= len(names) else 0
    shares = {n: max(floor, total * sizes[n] // population) for n in names}
    shares = {n: min(shares[n], sizes[n]) for n in names}
    remainders = sorted(names, key=lambda n: (-(total * sizes[n] % population), n))
    while sum(shares.values()) > total:  # the floor of one overshot: take from the largest
        largest = max((n for n in names if shares[n] > floor), key=lambda n: (shares[n], n))
        shares[largest] -= 1
    while sum(shares.values()) < total:
        for n in remainders:
            if sum(shares.values()) < total and shares[n] < sizes[n]:
                shares[n] += 1
    return shares


def stratified(units: Sequence[Unit], *, size: int, seed: int, by: str) -> Draw:
    """Strata by approval band (R-12) or by risk (K-1); each drawn like a simple random sample."""
    _check(units, size)
    strata: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        strata[stratum_of(unit, by)].append(unit)
    shares = allocate({name: len(members) for name, members in strata.items()}, size)
    picks: list[Pick] = []
    for name in sorted(strata):
        chosen = sorted(strata[name], key=lambda u: rank(seed, u.refund_id))[: shares[name]]
        picks.extend(Pick(u.refund_id, name) for u in chosen)
    return _draw(units, picks, {"allocation": shares, "strata": by})


def monetary_unit(units: Sequence[Unit], *, size: int, seed: int) -> Draw:
    """Monetary-unit sampling: every fen equally likely, so a refund is drawn in proportion to
    its amount. Systematic: `size` points an interval apart from a seeded start, walked over
    the refunds in id order; a refund larger than the interval can be hit more than once."""
    _check(units, size)
    ordered = sorted(units, key=_by_id)
    total = sum(u.amount_fen for u in ordered)
    if total <= 0:
        raise InvalidInput("The refunds of the period add up to nothing.", field="period")
    interval = max(total // size, 1)
    start = rank(seed, 0) % interval
    points = [start + k * interval for k in range(size) if start + k * interval < total]
    hits: dict[int, int] = {}
    position, before = 0, 0
    for unit in ordered:
        after = before + unit.amount_fen
        while position < len(points) and points[position] < after:
            hits[unit.refund_id] = hits.get(unit.refund_id, 0) + 1
            position += 1
        before = after
    picks = [Pick(refund_id, "", count) for refund_id, count in hits.items()]
    return _draw(units, picks, {"interval_fen": interval, "start_fen": start})


def draw(method: str, units: Sequence[Unit], *, size: int, seed: int) -> Draw:
    """The method by name, as stored with a sample."""
    if method == "simple_random":
        return simple_random(units, size=size, seed=seed)
    if method == "stratified_band":
        return stratified(units, size=size, seed=seed, by="band")
    if method == "stratified_risk":
        return stratified(units, size=size, seed=seed, by="risk")
    if method == "monetary_unit":
        return monetary_unit(units, size=size, seed=seed)
    raise InvalidInput(f"Unknown sampling method {method!r}.", field="method")
