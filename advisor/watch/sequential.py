"""Sequential tests that may be looked at after every request without crying wolf.

A share gate ("at most `bar` of the canary's requests may break the limit") is Wald's
sequential probability ratio test of p = bar against p = `bad` (the smallest share we call
clearly bad). Its likelihood ratio is a nonnegative supermartingale whenever p <= bar, so by
Ville's inequality it ever reaches 1/alpha with probability at most alpha: a healthy canary is
rolled back at most that often, however often one looks. The reverse ratio bounds the chance
that a clearly bad canary is ever promoted by beta. Between the two thresholds the test holds.

A mean gate (cost per request) uses an asymptotic confidence sequence (Waudby-Smith et al.,
"Time-uniform central limit theory", 2021): time-uniform once n is past a few dozen.

Share intervals shown beside a figure are a beta-mixture confidence sequence: valid at every n
at once, like the decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Decision = Literal["pass", "fail", "undecided"]

BETA = 0.05
"""The chance that a clearly bad gate is ever passed."""
MEAN_MIN_N = 30
"""A mean gate decides nothing before this many requests: the asymptotic sequence needs them."""
MEAN_TUNED_N = 200
"""The n at which the mean sequence is tightest."""


def bad_share(bar: float) -> float:
    """The share we call clearly bad for a gate whose bar is `bar`: twice the bar, and at
    least two points above it (a 1 % bar against 3 %, a 5 % bar against 10 %)."""
    return min(max(2 * bar, bar + 0.02), (1 + bar) / 2)


@dataclass(frozen=True)
class ShareTest:
    """The test of one share gate: at most `bar` of requests may break it."""

    bar: float
    alpha: float
    beta: float = BETA

    @property
    def bad(self) -> float:
        return bad_share(self.bar)

    @property
    def _up(self) -> float:
        """What one breaking request adds to the log likelihood ratio."""
        return math.inf if self.bar == 0 else math.log(self.bad / self.bar)

    @property
    def _down(self) -> float:
        """What one good request adds (negative)."""
        return math.log((1 - self.bad) / (1 - self.bar))

    def log_ratio(self, over: int, n: int) -> float:
        if over and self.bar == 0:
            return math.inf
        return over * self._up + (n - over) * self._down

    def decide(self, over: int, n: int, unsure: int = 0) -> Decision:
        """`over` requests surely broke the limit, `unsure` may have (a histogram bucket
        straddling it), of `n`. Fail only on the sure count, pass only on the worst case."""
        if self.log_ratio(over, n) >= math.log(1 / self.alpha):
            return "fail"
        if self.log_ratio(over + unsure, n) <= math.log(self.beta):
            return "pass"
        return "undecided"

    def fail_at(self) -> int:
        """The fewest requests that can fail the gate: all of them breaking it."""
        if self.bar == 0:
            return 1
        return max(1, math.ceil(math.log(1 / self.alpha) / self._up))

    def pass_at(self, over: int = 0) -> int:
        """The n at which the gate passes if no further request breaks it."""
        need = (math.log(self.beta) - over * (self._up if self.bar else 0.0)) / self._down
        return max(over, math.ceil(need))


def share_interval(over: int, n: int, alpha: float) -> tuple[float, float]:
    """A (1 - alpha) confidence sequence for a share: the shares p at which the mixture
    (Jeffreys' Beta(1/2, 1/2)) likelihood ratio stays below 1/alpha."""
    if n <= 0:
        return 0.0, 1.0
    log_mix = _log_beta(over + 0.5, n - over + 0.5) - _log_beta(0.5, 0.5)
    limit = math.log(1 / alpha)

    def inside(p: float) -> bool:
        # At the ends the likelihood is 1 or 0: the mixture (at most 1) never beats it, or
        # always does.
        if p <= 0:
            return over == 0
        if p >= 1:
            return over == n
        return log_mix - (over * math.log(p) + (n - over) * math.log(1 - p)) < limit

    centre = over / n
    return _edge(inside, centre, 0.0), _edge(inside, centre, 1.0)


def _edge(inside: Callable[[float], bool], start: float, end: float) -> float:
    """Where `inside` turns false between `start` (inside) and `end`, by bisection."""
    if inside(end):
        return end
    lo, hi = start, end
    for _ in range(60):
        mid = (lo + hi) / 2
        if inside(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@dataclass(frozen=True)
class MeanTest:
    """The test of one mean gate: the mean per request must stay within `limit`."""

    limit: float
    alpha: float

    def interval(self, n: int, mean: float, sd: float) -> tuple[float, float]:
        """The (1 - alpha) asymptotic confidence sequence of the mean at n, two-sided."""
        if n < 2:
            return -math.inf, math.inf
        a = self.alpha / 2
        rho2 = (-2 * math.log(a) + math.log(-2 * math.log(a) + 1)) / MEAN_TUNED_N
        half = sd * math.sqrt(
            2 * (n * rho2 + 1) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1) / a)
        )
        return mean - half, mean + half

    def decide(self, n: int, mean: float, sd: float) -> Decision:
        if n < MEAN_MIN_N:
            return "undecided"
        low, high = self.interval(n, mean, sd)
        if low > self.limit:
            return "fail"
        if high <= self.limit:
            return "pass"
        return "undecided"
