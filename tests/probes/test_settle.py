"""A timed step waits for a quiet client: not while the loop is busy, not forever."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from catalog import Catalog
from probes.harness import SpendCap
from probes.kinds.base import Settings
from probes.run import execute, plan_run
from probes.settle import settle
from probes.simulator import SimulatorHandle
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import simulated_targets


def hog(seconds: float, each_s: float) -> None:
    """Hold the running loop `each_s` at a time, again and again, for `seconds`."""
    loop = asyncio.get_running_loop()
    until = time.perf_counter() + seconds

    def hold() -> None:
        time.sleep(each_s)
        if time.perf_counter() < until:
            loop.call_later(0.001, hold)

    loop.call_soon(hold)


async def test_an_idle_loop_settles_after_the_quiet_window() -> None:
    waited, quiet = await settle(quiet_for_s=0.05, at_most_s=1.0)
    assert quiet and 0.05 <= waited < 0.5


async def test_a_busy_loop_is_waited_out() -> None:
    """Callbacks that hold the loop 30 ms at a time for 0.3 s: settling ends only after."""
    hog(0.3, 0.03)
    started = time.perf_counter()
    waited, quiet = await settle(quiet_for_s=0.05, at_most_s=2.0)
    assert quiet
    assert time.perf_counter() - started >= 0.3 + 0.05 - 0.01
    assert waited >= 0.3


async def test_a_loop_that_never_quiets_holds_a_step_up_no_longer_than_the_bound() -> None:
    hog(0.7, 0.02)
    waited, quiet = await settle(quiet_for_s=0.1, at_most_s=0.3)
    assert not quiet
    assert 0.3 <= waited < 0.6


async def test_a_latency_step_goes_out_only_once_the_client_is_quiet(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets = simulated_targets(sim_catalog, [offering], sim.url)
    plan = plan_run(
        [(WorkloadSpec("timed", ttft_p95_ms=5000), targets)],
        ["latency"],
        Settings(requests=5, decisive=True),
    )
    busy_until = time.perf_counter_ns() + 300_000_000
    hog(0.3, 0.03)
    with RunStore(tmp_path / "runs.sqlite") as store:
        run = store.start_run(target="sim", simulated=True)
        await execute(plan, store, run, SpendCap(1.0))
        sent = [a["sent_ns"] for a in store.attempts(run)]
    assert len(sent) == 5
    assert min(sent) >= busy_until
