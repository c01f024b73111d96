"""Percentiles from raw samples, always with their sample count.

Linear interpolation between closest ranks (numpy's default), request-weighted. A p99 from
fewer than 100 samples is still reported but marked, since it is mostly the maximum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 90, 95, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values` by linear interpolation."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """p50/p90/p95/p99, min, max and mean of `n` samples."""

    n: int
    p50: float
    p90: float
    p95: float
    p99: float
    min: float
    max: float
    mean: float

    @property
    def p99_reliable(self) -> bool:
        return self.n >= 100

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def summarise(values: Sequence[float]) -> Summary | None:
    """The summary of `values`, or None when there are none."""
    if not values:
        return None
    return Summary(
        n=len(values),
        p50=percentile(values, 50),
        p90=percentile(values, 90),
        p95=percentile(values, 95),
        p99=percentile(values, 99),
        min=min(values),
        max=max(values),
        mean=sum(values) / len(values),
    )


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a share of `successes` in `n` trials;
    with no trials, the whole range."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile_bounds(
    values: Sequence[float], q: float, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """One-sided order-statistic bounds on the q-th percentile (0-100), each holding with
    `confidence` whatever the distribution: the lower is the largest order statistic X(r)
    with P(Binomial(n, q) >= r) >= confidence, the upper the smallest X(s) with
    P(Binomial(n, q) < s) >= confidence. None where `n` is too small for one (an upper
    bound on a p95 takes 59 samples at 95 %)."""
    ordered = sorted(values)
    n, share = len(ordered), q / 100
    below = [math.comb(n, k) * share**k * (1 - share) ** (n - k) for k in range(n + 1)]
    lower = upper = None
    at_least = 0.0  # P(Binomial >= r), built from the top
    for r in range(n, 0, -1):
        at_least += below[r]
        if at_least >= confidence:
            lower = ordered[r - 1]
            break
    under = 0.0  # P(Binomial < s)
    for s in range(1, n + 1):
        under += below[s - 1]
        if under >= confidence:
            upper = ordered[s - 1]
            break
    return lower, upper
