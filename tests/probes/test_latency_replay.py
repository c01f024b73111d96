"""The latency probe replaying a request log: its real prompts, open loop at its arrival
times (compressed), on the simulator."""

from __future__ import annotations

from pathlib import Path

from catalog import Catalog
from probes.harness import SpendCap
from probes.kinds.base import Settings, Trace
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import simulated_targets

OFFSETS = (0.0, 0.5, 0.5, 2.0, 2.5, 4.0)
SCALE = 0.1


async def test_the_latency_probe_replays_the_logs_prompts_at_its_arrival_times(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    trace = Trace(
        offsets=OFFSETS,
        messages=tuple(
            ({"role": "user", "content": f"log request {i}: what is {i} plus {i}?"},)
            for i in range(len(OFFSETS) - 1)
        )
        + ((),),  # a logged request without its body: a prompt of its size is sent
        input_tokens=(20, 20, 20, 20, 20, 600),
        output_tokens=(5, 6, 7, 8, 9, 10),
        scale=SCALE,
    )
    targets = simulated_targets(sim_catalog, [offering], sim.url)
    settings = Settings(requests=2, traces={"w": trace})
    plan = plan_run([(WorkloadSpec(name="w"), targets)], ["latency"], settings)
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    outcome = await execute(plan, store, run, SpendCap(1.0))

    attempts = sorted(store.attempts(run), key=lambda a: a["request_index"])
    assert len(attempts) == len(OFFSETS)  # the log's size, not --requests
    assert all(a["outcome"] == "ok" for a in attempts)
    first = attempts[0]["intended_ns"]
    due_ms = [round((a["intended_ns"] - first) / 1e6) for a in attempts]
    assert due_ms == [round(o * SCALE * 1000) for o in OFFSETS]
    assert [a["output_tokens"] for a in attempts] == [5, 6, 7, 8, 9, 10]
    assert attempts[5]["input_tokens"] > 500 > attempts[0]["input_tokens"]
    figures = {f.metric: f for f in outcome.figures[("w", offering.key, "latency")]}
    assert figures["goodput_share"].detail["arrivals"] == "a request log's, replayed"
    assert figures["e2e_ms_p50"].n == len(OFFSETS)
