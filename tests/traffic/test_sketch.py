"""The streaming summaries keep their stated error."""

from __future__ import annotations

import math
import random

import pytest

from advisor.traffic.sketch import RELATIVE_ERROR, Quantiles, Reservoir


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quantiles_are_within_the_stated_relative_error(seed: int) -> None:
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(6, 1.5)) for _ in range(20_000)] + [0] * 50
    sketch = Quantiles()
    for value in values:
        sketch.add(value)
    ordered = sorted(values)
    for q in (0.01, 0.5, 0.9, 0.95, 0.99, 1.0):
        exact = ordered[max(math.ceil(q * len(ordered)) - 1, 0)]
        got = sketch.quantile(q)
        assert got is not None
        assert abs(got - exact) <= RELATIVE_ERROR * exact + 1e-9, (q, got, exact)
    assert (sketch.min, sketch.max, sketch.count) == (0, ordered[-1], len(values))
    assert sum(sketch.histogram(10)) == len(values)


def test_an_empty_sketch_knows_nothing() -> None:
    assert Quantiles().quantile(0.5) is None


def test_the_reservoir_keeps_a_bounded_seeded_sample() -> None:
    a: Reservoir[int] = Reservoir(5, seed=7)
    b: Reservoir[int] = Reservoir(5, seed=7)
    for i in range(10_000):
        a.add(i)
        b.add(i)
    assert len(a.items) == 5 and a.items == b.items and a.seen == 10_000
    assert max(a.items) > 5  # later items replaced the first ones
