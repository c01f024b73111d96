"""Request limits: settable per phase, by default a multiple of the workload's own latency
budget with a floor, carried to every task of a run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from catalog import Catalog
from probes.deadlines import (
    DEFAULT_FIRST_BYTE_S,
    DEFAULT_STALL_S,
    DEFAULT_TOTAL_S,
    FLOOR_FIRST_BYTE_S,
    FLOOR_TOTAL_S,
    MULTIPLE,
    Deadlines,
    Timeouts,
    deadlines_for,
)
from probes.harness import SpendCap
from probes.kinds.base import Settings
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle, running_simulator
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import simulated_targets
from tests.probes.conftest import LAYERS


def test_limits_default_to_a_multiple_of_the_workload_budget() -> None:
    spec = WorkloadSpec("w", ttft_p95_ms=2000, e2e_p95_ms=5000)
    assert deadlines_for(spec) == Deadlines(
        total_s=MULTIPLE * 5, first_byte_s=MULTIPLE * 2, stall_s=MULTIPLE * 2
    )


def test_tight_budgets_keep_the_floor() -> None:
    limits = deadlines_for(WorkloadSpec("w", ttft_p95_ms=100, e2e_p95_ms=300))
    assert limits.total_s == FLOOR_TOTAL_S and limits.first_byte_s == FLOOR_FIRST_BYTE_S


def test_without_a_budget_the_fixed_limits_apply() -> None:
    # The stall limit waits as long as the first byte's: a long prompt's first token comes
    # only after its prefill (a 900k-token prompt takes tens of seconds).
    assert DEFAULT_STALL_S < DEFAULT_FIRST_BYTE_S
    assert deadlines_for(WorkloadSpec("w")) == Deadlines(
        DEFAULT_TOTAL_S, DEFAULT_FIRST_BYTE_S, DEFAULT_FIRST_BYTE_S
    )
    assert deadlines_for(WorkloadSpec("w", ttft_p95_ms=2000)).stall_s == MULTIPLE * 2


def test_a_time_scaled_run_cuts_what_a_real_time_run_would() -> None:
    scaled = deadlines_for(WorkloadSpec("w", time_scale=0.25))
    assert scaled == Deadlines(
        DEFAULT_TOTAL_S / 4, DEFAULT_FIRST_BYTE_S / 4, DEFAULT_FIRST_BYTE_S / 4
    )


def test_user_limits_win_and_no_phase_outlasts_the_total() -> None:
    spec = WorkloadSpec("w", ttft_p95_ms=2000, e2e_p95_ms=5000)
    assert deadlines_for(spec, Timeouts(total_s=3)) == Deadlines(3, 3, 3)
    assert deadlines_for(spec, Timeouts(first_byte_s=0.5)).first_byte_s == 0.5


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, 10_000])
def test_timeouts_refuse_values_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError):
        Timeouts(total_s=bad)


def test_every_task_of_a_run_carries_its_workload_limits(
    sim: SimulatorHandle, sim_catalog: Catalog
) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets = simulated_targets(sim_catalog, [offering], sim.url)
    fast = WorkloadSpec("fast", ttft_p95_ms=1000, e2e_p95_ms=4000)
    slow = WorkloadSpec("slow")
    plan = plan_run(
        [(fast, targets), (slow, targets)],
        ["latency"],
        Settings(requests=1, timeouts=Timeouts(stall_s=2)),
    )
    limits = {t.spec.name: t.deadlines for t in plan.tasks}
    assert limits["fast"] == Deadlines(16, FLOOR_FIRST_BYTE_S, 2)
    assert limits["slow"] == Deadlines(DEFAULT_TOTAL_S, DEFAULT_FIRST_BYTE_S, 2)


def test_the_context_probe_is_not_held_to_the_typical_request_budget(
    sim: SimulatorHandle, sim_catalog: Catalog
) -> None:
    """Its prompts are the workload's largest: a 128k-token prefill outlasts 4 × a 1.5 s
    TTFT budget on any provider, so only the fixed limits (or the user's) apply."""
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets = simulated_targets(sim_catalog, [offering], sim.url)
    chat = WorkloadSpec(
        "chat", ttft_p95_ms=1500, e2e_p95_ms=12000, context_tokens=2000, max_context_tokens=100_000
    )
    plan = plan_run([(chat, targets)], ["latency", "context"], Settings(requests=1))
    limits = {t.kind.name: t.deadlines for t in plan.tasks}
    assert limits["latency"] == Deadlines(48, 6, 6)
    assert limits["context"] == Deadlines(
        DEFAULT_TOTAL_S, DEFAULT_FIRST_BYTE_S, DEFAULT_FIRST_BYTE_S
    )


async def test_a_decisive_run_holds_each_step_to_the_workload_limits(
    sim_catalog: Catalog, tmp_path: Path
) -> None:
    """A probe sent a step at a time is cut by its task's limits, not the fixed defaults: an
    offering whose head comes 3 s late fails a 0.5 s first-byte limit."""
    key = "openai/gpt-4o-mini"
    offering = sim_catalog.get(key)
    assert offering is not None
    with running_simulator(LAYERS, offering_faults={key: "slow-headers:3"}) as sim:
        targets = simulated_targets(sim_catalog, [offering], sim.url)
        settings = Settings(requests=5, decisive=True, timeouts=Timeouts(first_byte_s=0.5))
        plan = plan_run([(WorkloadSpec("slow-head"), targets)], ["latency"], settings)
        assert all(batch.verdict is not None for t in plan.tasks for batch in t.batches)
        with RunStore(tmp_path / "runs.sqlite") as store:
            run = store.start_run(target="sim", simulated=True)
            await execute(plan, store, run, SpendCap(1.0))
            outcomes = [a["outcome"] for a in store.attempts(run)]
    assert outcomes and set(outcomes) == {"deadline_first_byte"}
