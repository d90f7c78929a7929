"""A-1 samples: deterministic given seed and parameters, each method drawing as it should."""

from __future__ import annotations

import pytest

from services.audit import sampling
from services.audit.sampling import Unit, allocate, draw
from services.errors import InvalidInput

POPULATION = [
    Unit(refund_id=i, amount_fen=1000 + (i * 37) % 5000, band=i % 3, special=i % 7 == 0)
    for i in range(1, 101)
]


@pytest.mark.parametrize(
    "method", ["simple_random", "stratified_band", "stratified_risk", "monetary_unit"]
)
def test_a1_the_same_seed_and_parameters_draw_the_same_refunds(method: str):
    first = draw(method, POPULATION, size=12, seed=20261122)
    again = draw(method, list(reversed(POPULATION)), size=12, seed=20261122)

    assert first.refund_ids == again.refund_ids
    assert first.digest == again.digest
    assert 0 < len(first.refund_ids) <= 12
    assert len(set(first.refund_ids)) == len(first.refund_ids)


@pytest.mark.parametrize("method", ["simple_random", "stratified_band", "monetary_unit"])
def test_a1_another_seed_draws_other_refunds(method: str):
    assert (
        draw(method, POPULATION, size=12, seed=1).refund_ids
        != draw(method, POPULATION, size=12, seed=2).refund_ids
    )


def test_the_ranks_do_not_depend_on_the_python_random_module():
    # the first 8 bytes of SHA-256("42:7"): the same number on every machine and version
    assert sampling.rank(42, 7) == 0x755DAC3729029E2E
    assert sampling.rank(42, 7) != sampling.rank(43, 7)


def test_simple_random_draws_the_size_asked():
    assert len(draw("simple_random", POPULATION, size=10, seed=5).picks) == 10
    assert len(draw("simple_random", POPULATION[:4], size=10, seed=5).picks) == 4


def test_stratified_by_band_draws_from_every_band_in_proportion():
    drawn = draw("stratified_band", POPULATION, size=9, seed=3)

    by_stratum = {p.stratum for p in drawn.picks}
    assert by_stratum == {"band0", "band1", "band2"}
    assert drawn.details["allocation"] == {"band0": 3, "band1": 3, "band2": 3}
    bands = {u.refund_id: u.band for u in POPULATION}
    assert all(f"band{bands[p.refund_id]}" == p.stratum for p in drawn.picks)


def test_stratified_by_risk_keeps_the_small_special_stratum():
    drawn = draw("stratified_risk", POPULATION, size=5, seed=3)

    assert drawn.details["allocation"]["special"] >= 1
    assert sum(drawn.details["allocation"].values()) == 5


def test_allocation_gives_every_stratum_one_when_it_can_and_never_more_than_it_holds():
    assert allocate({"a": 50, "b": 3, "c": 1}, 5) == {"a": 3, "b": 1, "c": 1}
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert allocate({"a": 2, "b": 1}, 10) == {"a": 2, "b": 1}


def test_monetary_unit_sampling_always_draws_a_refund_larger_than_the_interval():
    units = [Unit(i, 100, 1, False) for i in range(1, 50)] + [Unit(99, 1_000_000, 4, False)]

    for seed in range(20):
        drawn = draw("monetary_unit", units, size=5, seed=seed)
        big = next(p for p in drawn.picks if p.refund_id == 99)
        assert big.hits >= 4  # the interval is about 201,000 fen: it falls in it again and again
        assert drawn.details["interval_fen"] == (1_000_000 + 49 * 100) // 5


def test_monetary_unit_sampling_favours_money_not_count():
    units = [Unit(i, 100 if i <= 90 else 10_000, 1, False) for i in range(1, 101)]

    large = 0
    for seed in range(50):
        large += sum(
            1 for p in draw("monetary_unit", units, size=5, seed=seed).picks if p.refund_id > 90
        )
    assert large > 150  # the ten large refunds hold ~92% of the money


def test_an_empty_period_or_a_silly_size_is_refused():
    with pytest.raises(InvalidInput):
        draw("simple_random", [], size=5, seed=1)
    with pytest.raises(InvalidInput):
        draw("simple_random", POPULATION, size=0, seed=1)
    with pytest.raises(InvalidInput):
        draw("monetary_unit", POPULATION, size=sampling.MAX_SIZE + 1, seed=1)
    with pytest.raises(InvalidInput):
        draw("no_such_method", POPULATION, size=5, seed=1)
