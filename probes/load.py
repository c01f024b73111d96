"""Load shapes: one at a time, closed-loop concurrency, and open-loop arrivals on a schedule,
the schedule being a constant or Poisson rate, or the arrival times of a request log.

Open-loop arrivals are planned up front as offsets from one monotonic start and each request
is dispatched at its absolute intended time, with no concurrency gate: a slow server then shows
up as latency measured from the intended time, not as a quietly lowered request rate
(coordinated omission). The send lag (sent − intended) says whether the generator kept up.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Send = Callable[[int, int], Coroutine[Any, Any, None]]
"""send(request index, intended send time in perf_counter_ns)."""


@dataclass(frozen=True)
class Load:
    """How requests are released."""

    mode: Literal["closed", "open", "trace"] = "closed"
    concurrency: int = 1
    """Closed loop: requests in flight at once (1 = one at a time)."""
    rate: float | None = None
    """Open loop: requests per second."""
    poisson: bool = False
    """Open loop: exponential gaps instead of a constant interval."""
    seed: int = 0
    offsets: tuple[float, ...] = ()
    """Trace: each request's arrival, in seconds after the first (a log's own times)."""
    scale: float = 1.0
    """Trace: multiplies the offsets (0.1 = ten times faster than the log); the results of a
    compressed replay say so wherever they appear."""

    def describe(self) -> str:
        if self.mode == "trace":
            speed = "" if self.scale == 1 else f", time scale {self.scale:g}"
            return f"open loop on a log's {len(self.offsets)} arrival times{speed}"
        if self.mode == "open":
            return f"open loop, {self.rate:g} requests/s" + (" (Poisson)" if self.poisson else "")
        return "one at a time" if self.concurrency == 1 else f"{self.concurrency} concurrent"


def trace_offsets(offsets: Sequence[float], count: int, scale: float) -> list[float]:
    """The first `count` arrivals of a trace, time-scaled, as offsets from the first; a
    trace shorter than `count` repeats from its start, after its own span and mean gap."""
    if not offsets:
        raise ValueError("a trace needs at least one arrival")
    if scale <= 0:
        raise ValueError("scale must be positive")
    base = offsets[0]
    span = offsets[-1] - base
    period = span + (span / (len(offsets) - 1) if len(offsets) > 1 else 1.0)
    out = []
    for i in range(count):
        lap, at = divmod(i, len(offsets))
        out.append((offsets[at] - base + lap * period) * scale)
    return out


def arrival_offsets(count: int, rate: float, poisson: bool, seed: int = 0) -> list[float]:
    """Seconds after the start at which each of `count` requests is due."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if not poisson:
        return [i / rate for i in range(count)]
    rng = random.Random(seed)
    offsets, t = [], 0.0
    for _ in range(count):
        offsets.append(t)
        t += rng.expovariate(rate)
    return offsets


async def drive(load: Load, count: int, send: Send) -> None:
    """Release `count` requests in the shape `load` describes and wait for all of them."""
    if load.mode == "trace":
        await _open_loop(trace_offsets(load.offsets, count, load.scale), send)
    elif load.mode == "open":
        assert load.rate is not None
        await _open_loop(arrival_offsets(count, load.rate, load.poisson, load.seed), send)
    else:
        await _closed_loop(count, max(1, load.concurrency), send)


async def _closed_loop(count: int, concurrency: int, send: Send) -> None:
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            next_index += 1
            await send(index, time.perf_counter_ns())

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))


async def _open_loop(offsets: list[float], send: Send) -> None:
    start = time.perf_counter_ns()
    tasks = []
    for index, offset in enumerate(offsets):
        due = start + int(offset * 1e9)
        # Sleep to an absolute deadline, never for an interval after the last send: errors in
        # one sleep must not push every later request back.
        delay = (due - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(index, due)))
    await asyncio.gather(*tasks)
