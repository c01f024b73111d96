"""Capacity search: the most a load tool sustains before its p99 send lag passes a limit.

A ladder of loads (streams, or requests per second) is searched from what is already known
(the accuracy runs' loads): between the highest passing step and the lowest failing one above
it, it bisects; with no failure above, it climbs one step at a time; with no pass, it bisects
below the lowest failure. A step passes when every request succeeded and the p99 send lag
stayed within the limit. One run per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

LAG_LIMIT_MS = 5.0
STREAM_LADDER = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
"""Beyond 1,024 streams the simulator, not the client, sets the pace on two cores."""
RATE_LADDER = (10, 25, 50, 100, 150, 200, 300, 400, 600, 800)


@dataclass(frozen=True)
class Step:
    """One load tried: its p99 send lag (ms) and how many requests failed."""

    value: int
    lag_p99: float | None
    failed: int

    @property
    def passed(self) -> bool:
        return self.failed == 0 and self.lag_p99 is not None and self.lag_p99 <= LAG_LIMIT_MS


@dataclass(frozen=True)
class Capacity:
    best: Step | None
    """The highest passing step (None: no step passed)."""
    first_failure: Step | None
    """The lowest failing step above it (None: the top of the ladder passed)."""
    steps: list[Step]
    """Every step with a result, known or tried, in ladder order."""


def search(
    ladder: Sequence[int], known: dict[int, Step], attempt: Callable[[int], Step]
) -> Capacity:
    results = dict(known)
    while True:
        passing = [v for v in ladder if v in results and results[v].passed]
        low = max(passing, default=None)
        # A failure below a pass (a noisy step) does not bound the search; one above does.
        failing = [
            v for v in ladder if v in results and not results[v].passed and (low is None or v > low)
        ]
        high = min(failing, default=None)
        below = ladder.index(low) if low is not None else -1
        above = ladder.index(high) if high is not None else len(ladder)
        if above - below <= 1:
            break
        value = ladder[below + 1] if high is None else ladder[(below + above) // 2]
        results[value] = attempt(value)
    return Capacity(
        results[low] if low is not None else None,
        results[high] if high is not None else None,
        [results[v] for v in ladder if v in results],
    )
