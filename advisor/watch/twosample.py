"""Two-sample statistics for drift: does a later run's distribution differ from an earlier's?

Each test gives a two-sided p-value. Permutation tests are exact under "nothing changed"
(the runs' units are then exchangeable) and stop early, Besag and Clifford's way, once a
statistic is plainly ordinary; Mann-Whitney uses its normal approximation with the tie
correction, sound from about eight values a side. Random draws come from a generator the
caller seeds from the runs, so the same two runs always get the same answer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TypeVar

from probes.stats import percentile, wilson

Unit = TypeVar("Unit")

MOST_PERMUTATIONS = 4999
"""Enough for a p-value near 1/5000, which a Holm correction at 1 % over dozens of tests
needs; only a plainly shifted sample runs that many."""
ENOUGH_HITS = 20
"""A permutation test stops once this many shuffles were as extreme as the data."""
BOOTSTRAP_ROUNDS = 1000


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie-corrected,
    with continuity correction): are values of one sample larger than the other's?"""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return 1.0
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    n = n1 + n2
    rank_sum, ties, i = 0.0, 0.0, 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        rank_sum += rank * sum(1 for k in range(i, j + 1) if pooled[k][1] == 0)
        size = j - i + 1
        ties += size**3 - size
        i = j + 1
    u = rank_sum - n1 * (n1 + 1) / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, 2 * (1 - NormalDist().cdf(z)))


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """The Jensen-Shannon divergence (base 2: 0 same, 1 disjoint) of two count vectors."""
    total_p, total_q = sum(p), sum(q)
    if not total_p or not total_q:
        return 0.0
    out = 0.0
    for x, y in zip(p, q, strict=True):
        a, b = x / total_p, y / total_q
        m = (a + b) / 2
        if a:
            out += a / 2 * math.log2(a / m)
        if b:
            out += b / 2 * math.log2(b / m)
    return max(0.0, out)


def permutation_p(
    a: Sequence[Unit],
    b: Sequence[Unit],
    statistic: Callable[[Sequence[Unit], Sequence[Unit]], float],
    rng: random.Random,
) -> float:
    """Two-sided p-value of `statistic` (larger: more different) by shuffling the units
    between the samples; sequential (stops after ENOUGH_HITS as-extreme shuffles)."""
    observed = statistic(a, b)
    pooled, cut, hits = [*a, *b], len(a), 0
    for rounds in range(1, MOST_PERMUTATIONS + 1):
        rng.shuffle(pooled)
        if statistic(pooled[:cut], pooled[cut:]) >= observed - 1e-12:
            hits += 1
            if hits == ENOUGH_HITS:
                return hits / rounds
    return (hits + 1) / (MOST_PERMUTATIONS + 1)


def quantile_gap(q: float) -> Callable[[Sequence[float], Sequence[float]], float]:
    """The statistic |q-th percentile of b − that of a|, for `permutation_p`."""

    def gap(a: Sequence[float], b: Sequence[float]) -> float:
        return abs(percentile(b, q) - percentile(a, q))

    return gap


def bootstrap_shift(
    a: Sequence[float], b: Sequence[float], q: float, rng: random.Random, level: float = 0.95
) -> tuple[float, float]:
    """A percentile-bootstrap interval of (q-th percentile of b) − (that of a)."""
    shifts = sorted(
        percentile(rng.choices(b, k=len(b)), q) - percentile(rng.choices(a, k=len(a)), q)
        for _ in range(BOOTSTRAP_ROUNDS)
    )
    tail = (1 - level) / 2 * 100
    return percentile(shifts, tail), percentile(shifts, 100 - tail)


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test: k1 of n1 against k2 of n2."""
    total, hits = n1 + n2, k1 + k2
    if not n1 or not n2:
        return 1.0
    whole = math.comb(total, hits)

    def chance(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, hits - x) / whole

    seen = chance(k1)
    low, high = max(0, hits - n2), min(hits, n1)
    p = sum(c for x in range(low, high + 1) if (c := chance(x)) <= seen * (1 + 1e-7))
    return min(1.0, p)


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's 95 % interval (from Wilson intervals) of the share k2/n2 − k1/n1."""
    p1, p2 = k1 / n1, k2 / n2
    low1, high1 = wilson(k1, n1)
    low2, high2 = wilson(k2, n2)
    diff = p2 - p1
    return (
        diff - math.sqrt((p2 - low2) ** 2 + (high1 - p1) ** 2),
        diff + math.sqrt((high2 - p2) ** 2 + (p1 - low1) ** 2),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: each p-value as a family-wise one, in the given order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
