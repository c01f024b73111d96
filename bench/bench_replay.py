"""Replay: a generated log of REQUESTS requests through a plan on the gateway model.

The plan is the replay tests' (tests/replay/catalog): a primary failing half the time,
a fallback and a context fallback, cooldowns on, so every request takes the router's whole
path. Timed apart: assigning the log to workloads, routing it (virtual time: no waiting),
and summing it up with its intervals. Peak memory is Python's own allocations (tracemalloc)
over the whole replay, since a replay holds its requests and answers, in one more run of its
own.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc

from advisor.replay.assign import assign
from advisor.replay.gateway import Router, Served, rules_for
from advisor.replay.run import behaviours, report
from advisor.replay.upstream import ModelUpstream
from bench.timing import spread
from catalog import load_catalog
from tests.replay.conftest import PRIMARY, REPLAY_CATALOG, logged, make, workload

REQUESTS = 100_000
RUNS = 3
TARGET_PER_REQUEST_MS = 1.0
"""A replay of a day of a busy workload (a million requests) in under twenty minutes."""


def _once(trace_memory: bool = False) -> tuple[float, float, float, float]:
    """Seconds to assign, route and sum up, and the peak MiB when `trace_memory` (tracing
    slows Python several times over, so timed runs do not trace)."""
    catalog = load_catalog([REPLAY_CATALOG])
    plan = make(catalog, canary=False)
    records = logged(REQUESTS, gap_s=0.05, words=20)
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    traffic = assign(records, [workload()])
    assigned = time.perf_counter()
    router = Router(plan, ModelUpstream(behaviours(plan, None, {PRIMARY: 0.5})), rules_for(plan))

    async def route() -> list[Served]:
        return [await router.route(r, r.offset_s) for r in traffic.requests]

    served = asyncio.run(route())
    routed = time.perf_counter()
    report(plan, "bench", "gateway model", traffic, served, 1.0, [], 0)
    summed = time.perf_counter()
    peak = 0
    if trace_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return assigned - start, routed - assigned, summed - routed, peak / 2**20


def run() -> list[str]:
    results = [_once() for _ in range(RUNS)]
    assign_s, route_s, sum_s, _ = (list(column) for column in zip(*results, strict=True))
    peak_mb = _once(trace_memory=True)[3]
    per_request = [
        (a + r + s) / REQUESTS * 1000 for a, r, s in zip(assign_s, route_s, sum_s, strict=True)
    ]
    median = sorted(per_request)[len(per_request) // 2]
    verdict = "MET" if median < TARGET_PER_REQUEST_MS else "MISSED"
    return [
        "## Replay",
        "",
        f"A generated log of {REQUESTS:,} requests through the replay tests' plan on the "
        "gateway model (primary failing half the time, cooldowns on); median (min–max) of "
        f"{RUNS} runs.",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| assign to workloads | {spread(assign_s)} |",
        f"| route (virtual time) | {spread(route_s)} |",
        f"| sum up, with intervals | {spread(sum_s)} |",
        f"| peak memory (MiB, tracemalloc, one run) | {peak_mb:.0f} |",
        "",
        f"Per request: {spread(per_request, '.3f')} ms; target under "
        f"{TARGET_PER_REQUEST_MS:g} ms: {verdict}. A replay holds its requests and answers "
        "(the peak above, per 100,000). A log too large for one machine splits into groups "
        "of workloads that share no offering, each replayed on its own machine: routing state "
        "(cooldowns, rate limits) belongs to a deployment, so groups that share none cannot "
        "affect each other; their counts add up, and the cost intervals combine as the whole "
        "log's do.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
