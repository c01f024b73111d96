"""The harness against the simulator: every fault classified within its deadline, the budget
cap holding, attempts stored as they finish, open-loop arrivals on schedule."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from catalog import Catalog
from probes.clients import ChatRequest, make_client
from probes.deadlines import Deadlines
from probes.harness import Context, Sent, SpendCap, run_batch, worst_case_cost
from probes.load import Load, arrival_offsets
from probes.simulator import SimulatorHandle
from probes.store import RunStore
from probes.targets import Target, simulated_targets

KEY = "openai/gpt-4o-mini"


def target(sim: SimulatorHandle, catalog: Catalog, key: str = KEY) -> Target:
    offering = catalog.get(key)
    assert offering is not None
    (t,) = simulated_targets(catalog, [offering], sim.url)
    return t


def request(faults: str | None = None, max_tokens: int = 20) -> ChatRequest:
    headers = {"x-sim-faults": faults} if faults else {}
    return ChatRequest(
        messages=[{"role": "user", "content": "Say hello."}],
        max_tokens=max_tokens,
        extra_headers=headers,
    )


async def send(
    sim: SimulatorHandle,
    catalog: Catalog,
    tmp_path: Path,
    requests: list[ChatRequest],
    load: Load | None = None,
    budget: SpendCap | None = None,
    deadlines: Deadlines | None = None,
) -> tuple[list[Sent], RunStore, int]:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    async with make_client() as client:
        ctx = Context(
            client, store, run, budget or SpendCap(10.0), deadlines=deadlines or Deadlines()
        )
        sent = await run_batch(ctx, target(sim, catalog), "test", requests, load or Load())
    return sent, store, run


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (None, "ok"),
        ("5xx-burst", "http_5xx"),
        ("429-storm", "http_429"),
        ("reset", "reset"),
        ("disconnect", "truncated"),
        ("malformed-sse", "invalid_event"),
        ("wrong-content-type", "wrong_content_type"),
        ("stall:400", "deadline_stall"),  # 4 s at the fixture's time scale of 0.01
        ("slow-headers:400", "deadline_first_byte"),
        ("endless", "deadline_total"),
        ("oversized:20", "too_large"),
    ],
)
async def test_every_fault_is_classified_within_the_deadline(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path, fault: str | None, outcome: str
) -> None:
    began = time.monotonic()
    (sent,), store, run = await send(
        sim,
        sim_catalog,
        tmp_path,
        [request(fault, max_tokens=200)],
        # Wide enough that a busy machine's pauses never pass for a fault, tight enough that
        # the stalled and endless answers are cut well before the test's own bound.
        deadlines=Deadlines(total_s=3.0, first_byte_s=1.5, stall_s=1.5),
    )
    assert time.monotonic() - began < 6
    assert sent.reply.outcome == outcome, sent.reply.error
    (stored,) = store.attempts(run)
    assert stored["outcome"] == outcome


async def test_ok_attempt_is_timed_and_costed(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    (sent,), store, run = await send(sim, sim_catalog, tmp_path, [request()])
    assert sent.ok and sent.ttft_ms is not None and sent.e2e_ms is not None
    assert 0 < sent.ttft_ms <= sent.e2e_ms
    assert sent.reply.input_tokens and sent.reply.output_tokens
    assert sent.cost_usd is not None and sent.cost_usd > 0
    (row,) = store.attempts(run)
    assert (
        row["first_token_ns"] > row["sent_ns"] and row["output_tokens"] == sent.reply.output_tokens
    )


async def test_budget_cap_holds_on_a_run_designed_to_exceed_it(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    offering = sim_catalog.get(KEY)
    assert offering is not None
    one = worst_case_cost(offering, request(max_tokens=500))
    cap = one * 3.5  # room for three worst cases, not four
    budget = SpendCap(cap)
    sent, store, run = await send(
        sim, sim_catalog, tmp_path, [request(max_tokens=500)] * 10, Load(concurrency=10), budget
    )
    started = [s for s in sent if s.reply.outcome != "over_budget"]
    assert len(started) == 3
    assert sum(1 for s in sent if s.reply.outcome == "over_budget") == 7
    assert budget.spent_usd <= cap and budget.reserved_usd == pytest.approx(0, abs=1e-12)
    assert len(list(store.attempts(run))) == 10  # refusals are recorded too


async def test_open_loop_keeps_its_schedule(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    sent, _, _ = await send(
        sim, sim_catalog, tmp_path, [request()] * 40, Load(mode="open", rate=200)
    )
    assert all(s.ok for s in sent)
    lags = sorted(s.send_lag_ms for s in sent if s.send_lag_ms is not None)
    assert len(lags) == 40
    assert lags[len(lags) // 2] < 20  # median send lag in ms, generous for a busy CI machine
    intended = sorted(s.intended_ns for s in sent)
    assert (intended[-1] - intended[0]) / 1e9 == pytest.approx(39 / 200, rel=1e-6)


def test_poisson_offsets_average_the_rate() -> None:
    offsets = arrival_offsets(2000, rate=50, poisson=True, seed=1)
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert offsets[-1] / 1999 == pytest.approx(1 / 50, rel=0.1)
    assert arrival_offsets(3, rate=2, poisson=False) == [0, 0.5, 1.0]


async def test_cancel_stops_new_requests(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    async with make_client() as client:
        ctx = Context(client, store, run, SpendCap(10))
        ctx.cancel.set()
        sent = await run_batch(ctx, target(sim, sim_catalog), "test", [request()] * 5, Load())
    assert {s.reply.outcome for s in sent} == {"cancelled"}
    assert asyncio.get_running_loop() is not None


async def test_the_simulator_clock_times_answers_as_intended(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    """Our clock reads an answer when the loop gets to its bytes; the simulator's clock (for
    benches comparing two ways of probing) reads the schedule the simulator intended, which
    no load on this machine moves."""
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    timed: dict[str, Sent] = {}
    for clock in ("client", "sim"):
        (t,) = simulated_targets(sim_catalog, [offering], sim.url, clock=clock)
        store = RunStore(tmp_path / f"{clock}.sqlite")
        async with make_client() as client:
            run = store.start_run(target="sim", simulated=True)
            ctx = Context(client, store, run, SpendCap(1))
            (timed[clock],) = await run_batch(ctx, t, "test", [request()], Load())
        (row,) = store.attempts(run)
        store.close()
        sent = timed[clock]
        assert sent.timed is not None and sent.ttft_ms is not None and sent.e2e_ms is not None
        intended = (
            float(sent.timed.headers["x-sim-ttft-ms"]),
            float(sent.timed.headers["x-sim-e2e-ms"]),
        )
        recorded = (row["first_token_ns"] - row["sent_ns"]) / 1e6
        if clock == "sim":
            assert (sent.ttft_ms, sent.e2e_ms) == pytest.approx(intended, abs=1e-3)
            assert recorded == pytest.approx(intended[0], abs=1e-3)
        else:  # delivery and our loop come on top of the schedule
            assert sent.ttft_ms > intended[0] and recorded == pytest.approx(sent.ttft_ms)
