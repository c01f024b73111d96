"""The rate-limit probe: a ramp that stops at the first 429, and recovery after retry-after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog import Catalog
from probes.harness import SpendCap
from probes.kinds.base import Settings
from probes.kinds.ratelimit import ramp
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle, running_simulator
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import simulated_targets
from tests.probes.conftest import LAYERS


def test_ramp_doubles_to_twice_the_peak() -> None:
    assert ramp(None) == [1, 2, 4, 8, 16]
    assert ramp(20) == [1, 2, 4, 8, 16, 32]


@pytest.fixture(scope="module")
def limited() -> Iterator[SimulatorHandle]:
    """A simulator allowing 40 requests a minute per offering (a bucket of 40, refilled at two
    every three seconds): the ramp's 62 requests in 10 s meet a 429 in its last step, and
    retry-after is about a second and a half."""
    with running_simulator(LAYERS, time_scale=0.01, seed=5, rpm=40) as handle:
        yield handle


async def test_ramp_stops_at_the_first_429_and_recovers(
    limited: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets = simulated_targets(sim_catalog, [offering], limited.url)
    plan = plan_run([(WorkloadSpec(name="w"), targets)], ["ratelimit"], Settings())
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    outcome = await execute(plan, store, run, SpendCap(1.0))
    figures = {f.metric: f for f in outcome.figures[("w", "openai/gpt-4o-mini", "ratelimit")]}
    assert figures["first_429_rps"].value is not None
    steps = figures["first_429_rps"].detail["steps"]
    assert list(steps)[-1] == f"{figures['first_429_rps'].value:g}/s"  # no step after the first 429
    assert figures["retry_after_s"].value is not None and figures["retry_after_s"].value > 0
    assert "retry-after" in figures["retry_after_s"].detail["headers"]
    assert figures["first_after_wait_ok"].value == 1.0  # retry-after was honoured
    outcomes = [a["outcome"] for a in store.attempts(run)]
    assert "http_429" in outcomes


async def test_no_429_means_no_recovery_batch(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets = simulated_targets(sim_catalog, [offering], sim.url)
    settings = Settings(ramp_step_s=0.1)  # a few requests a step: quick, and no limit is near
    plan = plan_run([(WorkloadSpec(name="w", peak_rps=1), targets)], ["ratelimit"], settings)
    store = RunStore(tmp_path / "runs.sqlite")
    outcome = await execute(
        plan, store, store.start_run(target="sim", simulated=True), SpendCap(1.0)
    )
    (figure,) = outcome.figures[("w", "openai/gpt-4o-mini", "ratelimit")]
    assert figure.metric == "first_429_rps" and figure.value is None
    assert figure.detail["highest_rate_tried"] == "16/s"
