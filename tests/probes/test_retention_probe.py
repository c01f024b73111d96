"""Instruction retention: the simulator's decaying retention, and the probe measuring it over
real conversations (each turn carrying the answers actually given)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catalog import Catalog, Offering
from probes.clients import ChatRequest, make_client
from probes.harness import (
    Context,
    SpendCap,
    conversation_worst_case,
    run_conversation,
    worst_case_cost,
)
from probes.kinds.base import Figure, Settings
from probes.kinds.retention import (
    REFERENCE_RULE,
    Constraint,
    Retention,
    constraints,
    reference,
    turn_count,
)
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle, running_simulator
from probes.simulator import retention as sim_retention
from probes.simulator.behaviour import Ask, Conditions, answer
from probes.simulator.timing import timing_model
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import Target, simulated_targets
from tests.probes.conftest import LAYERS, chat

KEY = "openai/gpt-4o-mini"
SPEC = WorkloadSpec(
    name="w",
    context_tokens=60,
    output_tokens=40,
    system_prompt="You are the team's assistant.",
)
JSON_SPEC = WorkloadSpec(
    name="j",
    context_tokens=60,
    output_tokens=20,
    system_prompt="Tag the message. Answer with JSON only.",
    response_schema={
        "type": "object",
        "properties": {"tag": {"enum": ["bug", "question"]}},
        "required": ["tag"],
    },
)


def offering(catalog: Catalog, key: str = KEY) -> Offering:
    found = catalog.get(key)
    assert found is not None
    return found


def target(url: str, catalog: Catalog, key: str = KEY) -> Target:
    (t,) = simulated_targets(catalog, [offering(catalog, key)], url)
    return t


def turn_ask(o: Offering, sentence: str, turn: int, salt: int = 0) -> Ask:
    text = f"{sentence}\nQuestion {salt}"
    return Ask(
        offering=o,
        text=text,
        instructions=text,
        last_user=f"Question {salt}",
        prompt_tokens=40,
        turns=turn,
        temperature=0.0,
        max_tokens=200,
    )


# -- the simulator ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "constraint",
    [
        Constraint("json_key", "tag"),
        Constraint("max_words", "12"),
        Constraint("avoid_word", "cost"),
    ],
)
def test_kept_share_follows_the_horizon(sim_catalog: Catalog, constraint: Constraint) -> None:
    o = offering(sim_catalog)
    conditions = Conditions(retention_turns=4.0)
    for turn, expected in ((1, 1.0), (5, 0.5), (9, 0.25)):
        kept = []
        for salt in range(400):
            reply = answer(
                turn_ask(o, constraint.sentence, turn, salt),
                random.Random(salt),
                timing_model(o),
                0.01,
                conditions,
            )
            assert reply.keep_p == pytest.approx(expected)
            # The simulator's own verdict and the probe's agree on every answer.
            assert reply.kept == constraint.kept_by(reply.text)
            kept.append(bool(reply.kept))
        assert sum(kept) / len(kept) == pytest.approx(expected, abs=0.08)


def test_the_same_conversation_keeps_or_breaks_the_same_way(sim_catalog: Catalog) -> None:
    o = offering(sim_catalog, "simlab/exact-1")  # exact determinism: no divergence
    sentence = Constraint("max_words", "10").sentence
    verdicts = {
        answer(
            turn_ask(o, sentence, 6, salt=3),
            random.Random(seed),
            timing_model(o),
            0.01,
            Conditions(retention_turns=3.0),
        ).kept
        for seed in range(10)
    }
    assert len(verdicts) == 1


def test_default_horizons_vary_per_offering_but_stay_fixed(sim_catalog: Catalog) -> None:
    horizons = [sim_retention.horizon(o) for o in sim_catalog.offerings]
    assert min(horizons) >= 4 and max(horizons) <= 34
    assert len({round(h, 3) for h in horizons}) > len(horizons) // 2
    assert sim_retention.horizon(offering(sim_catalog)) == sim_retention.horizon(
        offering(sim_catalog)
    )
    assert sim_retention.horizon(offering(sim_catalog), override=7.0) == 7.0


def test_ground_truth_headers(http: httpx.Client) -> None:
    body = chat(KEY, "Tell me about the plan.", temperature=0)
    body["messages"] = [
        {"role": "system", "content": Constraint("avoid_word", "cost").sentence},
        {"role": "user", "content": "First."},
        {"role": "assistant", "content": "Fine."},
        {"role": "user", "content": "Second: tell me about the plan."},
    ]
    response = http.post("/openai/v1/chat/completions", json=body)
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-sim-constraint"] == "avoid_word" and headers["x-sim-turn"] == "2"
    horizon = float(headers["x-sim-retention-turns"])
    assert float(headers["x-sim-keep-p"]) == pytest.approx(0.5 ** (1 / horizon), abs=1e-3)
    text = response.json()["choices"][0]["message"]["content"]
    kept = Constraint("avoid_word", "cost").kept_by(text)
    assert headers["x-sim-constraint-kept"] == ("true" if kept else "false")
    plain = http.post("/openai/v1/chat/completions", json=chat(KEY)).headers
    assert "x-sim-constraint" not in plain  # no constraint, no retention truth


# -- the probe's plan -------------------------------------------------------------------


def test_constraints_suit_the_workload() -> None:
    assert [c.kind for c in constraints(SPEC)] == ["max_words", "avoid_word"]
    assert constraints(SPEC)[0].value == "30"  # three quarters of 40 output tokens
    json_first = constraints(JSON_SPEC)[0]
    assert (json_first.kind, json_first.value) == ("json_key", "tag")
    assert Constraint("json_key", "tag").kept_by('```json\n{"tag": "bug"}\n```')
    assert not Constraint("json_key", "tag").kept_by('{"label": "bug"}')
    assert not Constraint("avoid_word", "cost").kept_by("Costs aside, the COST is fine.")
    assert Constraint("avoid_word", "cost").kept_by("Costs aside, it is fine.")


def test_plan_sizes_the_conversations_and_their_worst_case(
    sim: SimulatorHandle, sim_catalog: Catalog
) -> None:
    t = target(sim.url, sim_catalog)
    batches = Retention().plan(SPEC, t, Settings(turns=6))
    assert [b.label for b in batches] == ["max_words", "avoid_word"]
    assert all(b.conversation and len(b.requests) == 6 for b in batches)
    first = batches[0].requests
    assert first[0].messages[0] == {
        "role": "system",
        "content": "You are the team's assistant.\n\nAlways answer in at most 30 words.\n\n"
        + REFERENCE_RULE,
    }
    # Every turn's notes carry a reference of their own, which the answer must quote.
    refs = [reference(r.messages) for r in first]
    assert all(refs) and len(set(refs)) == len(refs)
    assert all(len(r.messages) == 1 for r in first[1:])  # later turns: their own message only
    # Each turn carries every earlier one and full-length answers: more than the turns alone.
    alone = sum(worst_case_cost(t.offering, r) for r in first)
    assert conversation_worst_case(t.offering, first) > alone > 0
    # The run's estimate, which the cap is checked against, counts conversations that way.
    plan = plan_run([(SPEC, [t])], ["retention"], Settings(turns=6))
    assert plan.worst_case_usd == pytest.approx(
        sum(conversation_worst_case(t.offering, b.requests) for b in batches)
    )
    # A small window shortens the conversation so its last turn still fits.
    small = target(sim.url, sim_catalog, "simlab/exact-1")  # a 4,000-token window
    assert turn_count(WorkloadSpec(name="big", context_tokens=200), small, Settings()) < 8


# -- against the real simulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def forgetful() -> Iterator[SimulatorHandle]:
    """Every offering halves its odds of keeping a constraint every two turns."""
    with running_simulator(LAYERS, time_scale=0.01, seed=9, retention_turns=2.0) as handle:
        yield handle


@pytest.fixture(scope="module")
def faithful() -> Iterator[SimulatorHandle]:
    """Every offering keeps its constraints over any conversation a probe holds."""
    with running_simulator(LAYERS, time_scale=0.01, seed=9, retention_turns=1e9) as handle:
        yield handle


async def _probe(
    url: str, catalog: Catalog, spec: WorkloadSpec, tmp: Path
) -> tuple[dict[str, Figure], RunStore, int]:
    plan = plan_run([(spec, [target(url, catalog)])], ["retention"], Settings(turns=8))
    store = RunStore(tmp / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    outcome = await execute(plan, store, run, SpendCap(1.0))
    figures = {f.metric: f for f in outcome.figures[(spec.name, KEY, "retention")]}
    return figures, store, run


async def test_probe_measures_what_the_simulator_did(
    forgetful: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    figures, store, run = await _probe(forgetful.url, sim_catalog, JSON_SPEC, tmp_path)
    attempts = list(store.attempts(run))
    assert len(attempts) == 16 and {a["outcome"] for a in attempts} == {"ok"}
    # Turn by turn, the probe's verdict is the simulator's ground truth.
    conversations = figures["kept_share"].detail["conversations"]
    planned = {c.kind: c for c in constraints(JSON_SPEC)}
    truth: dict[str, list[bool]] = {}
    for a in attempts:
        header = json.loads(a["detail"])["ground_truth"]
        assert header["x-sim-turn"] == str(a["request_index"] + 1)
        kind = header["x-sim-constraint"]
        assert planned[kind].kept_by(a["output"]) == (header["x-sim-constraint-kept"] == "true")
        truth.setdefault(kind, []).append(header["x-sim-constraint-kept"] == "true")
    assert {c["constraint"]: c["kept"] for c in conversations} == truth
    kept = figures["kept_share"]
    assert kept.n == 16 and kept.value == sum(sum(v) for v in truth.values()) / 16
    assert 0 < kept.value < 1
    first_breaks = [v.index(False) + 1 for v in truth.values() if False in v]
    assert figures["first_break_turn"].value == min(first_breaks)
    assert figures["turns_held"].value == min(first_breaks) - 1


async def test_every_turn_carries_the_answers_given(
    forgetful: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    t = target(forgetful.url, sim_catalog)
    (batch, _) = Retention().plan(SPEC, t, Settings(turns=4))
    store = RunStore(tmp_path / "runs.sqlite")
    async with make_client() as client:
        ctx = Context(client, store, store.start_run(target="sim", simulated=True), SpendCap(1.0))
        sent = await run_conversation(ctx, t, "retention", batch.requests)
    assert [len(s.request.messages) for s in sent] == [2, 4, 6, 8]  # system, then 2 a turn
    for earlier, later in zip(sent, sent[1:], strict=False):
        assert later.request.messages[len(earlier.request.messages)] == {
            "role": "assistant",
            "content": earlier.reply.text,
        }
        assert later.reply.input_tokens is not None and earlier.reply.input_tokens is not None
        assert later.reply.input_tokens > earlier.reply.input_tokens


async def test_a_faithful_offering_holds_throughout(
    faithful: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    figures, _, _ = await _probe(faithful.url, sim_catalog, SPEC, tmp_path)
    assert figures["kept_share"].value == 1.0
    assert figures["first_break_turn"].value is None
    assert figures["first_break_turn"].detail == {"held_throughout": True}
    assert figures["turns_held"].value == 8


async def test_a_conversation_ends_at_a_turn_without_an_answer(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    t = target(sim.url, sim_catalog)
    turns = [
        ChatRequest([{"role": "user", "content": "One."}], max_tokens=8),
        ChatRequest(
            [{"role": "user", "content": "Two."}],
            max_tokens=8,
            extra_headers={"x-sim-faults": "5xx-burst"},
        ),
        ChatRequest([{"role": "user", "content": "Three."}], max_tokens=8),
    ]
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    async with make_client() as client:
        sent = await run_conversation(Context(client, store, run, SpendCap(1.0)), t, "r", turns)
    assert [s.reply.outcome for s in sent] == ["ok", "http_5xx"]
    assert len(list(store.attempts(run))) == 2
