"""Timing helpers for bench/: medians with min and max from repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    median: float
    low: float
    high: float
    runs: int

    def ms(self) -> str:
        """'412 ms (min 398, max 431, n=7)'."""
        return (
            f"{self.median * 1000:.0f} ms (min {self.low * 1000:.0f}, "
            f"max {self.high * 1000:.0f}, n={self.runs})"
        )


def measure(action: Callable[[], object], runs: int = 7) -> Timing:
    """Run `action` `runs` times and time each run with a monotonic clock."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return Timing(statistics.median(samples), min(samples), max(samples), runs)


def spread(values: Sequence[float | None], fmt: str = ".2f") -> str:
    """'0.42 (0.38–0.51)': the median of repeated runs with their min and max; '–' for none."""
    known = [v for v in values if v is not None]
    if not known:
        return "–"
    text = format(statistics.median(known), fmt)
    if len(known) > 1:
        text += f" ({format(min(known), fmt)}–{format(max(known), fmt)})"
    return text
