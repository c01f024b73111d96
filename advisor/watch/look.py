"""What a metrics source reports about a running canary: per arm (the canary, and the
baseline it is judged beside), how many requests, how many failed, their time to first token,
their cost, and, when the source knows them, agreement and schema validity.

Sources differ in what they can see: a request log has every request's figures, a Prometheus
histogram only counts per bucket. `Latencies` holds either, and says how many requests surely
exceeded a limit and how many a bucket straddling the limit leaves unsure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ArmName = Literal["canary", "baseline"]


@dataclass(frozen=True)
class Latencies:
    """Times to first token in ms: exact values, or a histogram's cumulative buckets
    (upper edge in ms, count at or below it; ascending, the last edge infinite)."""

    values: tuple[float, ...] = ()
    buckets: tuple[tuple[float, int], ...] = ()

    @property
    def n(self) -> int:
        return self.buckets[-1][1] if self.buckets else len(self.values)

    def over(self, limit: float) -> tuple[int, int]:
        """(surely over `limit`, unsure): a value is over when it exceeds the limit; in a
        histogram, counts above the first edge at or past the limit are surely over, counts
        between the last edge below it and that edge are unsure."""
        if not self.buckets:
            return sum(1 for v in self.values if v > limit), 0
        below = max((c for edge, c in self.buckets if edge <= limit), default=0)
        at_or_past = next(c for edge, c in self.buckets if edge >= limit)
        return self.n - at_or_past, at_or_past - below

    def quantile(self, q: float) -> float | None:
        """The q-quantile (nearest rank) of the values, or the bucket edge it falls under."""
        n = self.n
        if n == 0:
            return None
        rank = max(1, math.ceil(q * n))
        if not self.buckets:
            return sorted(self.values)[rank - 1]
        return next(edge for edge, c in self.buckets if c >= rank)


@dataclass(frozen=True)
class Tally:
    """How many of `n` requests had a property (an error, a disagreement, an invalid answer)."""

    hits: int
    n: int


@dataclass(frozen=True)
class Costs:
    """USD per request, as count, sum and sum of squares (enough for a mean and its spread)."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    @classmethod
    def of(cls, values: Iterable[float]) -> Costs:
        vs = list(values)
        return cls(len(vs), sum(vs), sum(v * v for v in vs))

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def sd(self) -> float:
        if self.n < 2:
            return 0.0
        var = (self.total_sq - self.total * self.total / self.n) / (self.n - 1)
        return math.sqrt(max(0.0, var))


@dataclass(frozen=True)
class Arm:
    """One side of the comparison, as a source saw it."""

    requests: int = 0
    errors: int = 0
    ttft_ms: Latencies = field(default_factory=Latencies)
    costs: Costs | None = None
    disagreements: Tally | None = None
    schema_invalid: Tally | None = None


@dataclass(frozen=True)
class Look:
    """What one look at a source found: both arms, where from, and what it could not see."""

    canary: Arm
    baseline: Arm
    source: str
    notes: tuple[str, ...] = ()
