"""Bounded-memory summaries of a stream: quantiles within a stated relative error, and a
fixed-size uniform sample.

`Quantiles` is a log-bucketed histogram (the DDSketch construction): a value x > 0 lands in
bucket ceil(log_γ x) with γ = (1 + α) / (1 - α), and a bucket answers with the point whose
relative distance to every value in it is at most α. So each quantile is within α (1%) of a
value of the right rank, whatever the distribution, in one bucket per 2% step of the range:
about 800 buckets from 1 token to 10 million. Count, minimum and maximum are exact.

`Reservoir` keeps a uniform sample of k items from a stream of unknown length (Vitter's
algorithm R) with a seeded generator, so the same log gives the same sample.
"""

from __future__ import annotations

import math
import random
from typing import Generic, TypeVar

RELATIVE_ERROR = 0.01
INDEX_CACHE = 4096
"""Values whose bucket is remembered: bounded, so memory stays bounded too."""

T = TypeVar("T")


class Quantiles:
    """Quantiles of a stream of numbers 0 or more, each within `RELATIVE_ERROR`."""

    def __init__(self, alpha: float = RELATIVE_ERROR) -> None:
        self.alpha = alpha
        self._gamma = (1 + alpha) / (1 - alpha)
        self._log_gamma = math.log(self._gamma)
        self._buckets: dict[int, int] = {}
        self._index: dict[float, int] = {}
        """Bucket index by value, for repeated values (token counts are small integers)."""
        self.zeros = 0
        self.count = 0
        self.min = math.inf
        self.max = -math.inf
        self.total = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        if value <= 0:
            self.zeros += 1
            return
        index = self._index.get(value)
        if index is None:
            index = math.ceil(math.log(value) / self._log_gamma)
            if len(self._index) < INDEX_CACHE:
                self._index[value] = index
        self._buckets[index] = self._buckets.get(index, 0) + 1

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0..1) by nearest rank, clamped to the exact minimum and maximum;
        None when empty."""
        if not self.count:
            return None
        rank = max(math.ceil(q * self.count) - 1, 0)
        if rank == self.count - 1:
            return self.max  # the top rank is known exactly
        if rank < self.zeros:
            return max(0.0, self.min)
        seen = self.zeros
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen > rank:
                value = 2 * self._gamma**index / (self._gamma + 1)
                return min(max(value, self.min), self.max)
        return self.max

    def merge(self, other: Quantiles) -> None:
        """Add `other`'s values, as if they had been added here: bucket counts add, so the
        merged quantiles keep the same error."""
        if other.alpha != self.alpha:
            raise ValueError("sketches of different accuracy do not merge")
        for index, n in other._buckets.items():
            self._buckets[index] = self._buckets.get(index, 0) + n
        self.zeros += other.zeros
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def histogram(self, bins: int) -> list[int]:
        """Counts in `bins` equal steps of log(value) from min to max, for a sparkline."""
        if not self.count or bins < 1:
            return []
        low = math.log(max(self.min, 1.0))
        high = math.log(max(self.max, 1.0))
        width = (high - low) / bins or 1.0
        counts = [0] * bins
        counts[0] += self.zeros
        for index, n in self._buckets.items():
            at = int((index * self._log_gamma - low) / width)
            counts[min(max(at, 0), bins - 1)] += n
        return counts


class Reservoir(Generic[T]):
    """A uniform random sample of at most `size` items of a stream."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.items: list[T] = []
        self.seen = 0
        self._random = random.Random(seed)

    def add(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item

    def merge(self, other: Reservoir[T]) -> None:
        """A uniform sample of both streams: each slot drawn from one side with the chance
        of its share of the items still unaccounted for, so an item of either stream is as
        likely to be kept as in one pass (a merge by weighted draw)."""
        mine, theirs = list(self.items), list(other.items)
        left_mine, left_theirs = self.seen, other.seen
        merged: list[T] = []
        while len(merged) < self.size and (mine or theirs):
            pick_mine = bool(mine) and (
                not theirs or self._random.random() < left_mine / (left_mine + left_theirs)
            )
            side = mine if pick_mine else theirs
            merged.append(side.pop(self._random.randrange(len(side))))
            if pick_mine:
                left_mine -= 1
            else:
                left_theirs -= 1
        self.items = merged
        self.seen += other.seen
