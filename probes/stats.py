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
