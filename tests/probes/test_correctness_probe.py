"""Correctness under load: the simulator's degradation past its capacity, and the probe
comparing answers one at a time with answers at the workload's peak rate."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from catalog import Catalog, Offering
from probes.clients import ChatRequest
from probes.harness import SpendCap, worst_case_cost
from probes.kinds.base import Figure, Settings
from probes.kinds.correctness import (
    DIGIT_WORDS,
    MAX_RATE,
    SYNTHETIC,
    Correctness,
    checkable_samples,
    load_rate,
    number_requests,
)
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle, running_simulator
from probes.simulator.behaviour import Ask, Conditions, answer
from probes.simulator.capacity import InFlight, capacity, degrade_share
from probes.simulator.timing import timing_model
from probes.spec import SampleSpec, WorkloadSpec
from probes.store import RunStore
from probes.targets import Target, simulated_targets
from tests.probes.conftest import LAYERS

KEY = "openai/gpt-4o-mini"
STRICT = "simlab/exact-1"
"""Native JSON Schema and exact determinism: what changes under load is only load's doing."""
SCHEMA = {
    "type": "object",
    "properties": {"tag": {"enum": ["bug", "question", "praise"]}},
    "required": ["tag"],
}
TAGGER = WorkloadSpec(
    name="tagger",
    context_tokens=50,
    output_tokens=12,
    system_prompt="Tag the message. Answer with JSON only.",
    response_schema=SCHEMA,
    samples=[
        SampleSpec([{"role": "user", "content": "The export crashes."}], {"tag": "bug"}),
        SampleSpec([{"role": "user", "content": "How do I log in?"}], {"tag": "question"}),
        SampleSpec([{"role": "user", "content": "Just saying hello."}]),  # schema only
    ],
    peak_rps=40,
)
BARE = WorkloadSpec(name="bare", peak_rps=40)
"""No samples: the probe asks number-word conversions."""


def offering(catalog: Catalog, key: str = KEY) -> Offering:
    found = catalog.get(key)
    assert found is not None
    return found


def target(url: str, catalog: Catalog, key: str = KEY) -> Target:
    (t,) = simulated_targets(catalog, [offering(catalog, key)], url)
    return t


def ask_for(o: Offering, text: str, **fields: object) -> Ask:
    ask = Ask(offering=o, text=text, instructions=text, last_user=text, prompt_tokens=30)
    for name, value in fields.items():
        setattr(ask, name, value)
    return ask


# -- the simulator ----------------------------------------------------------------------


def test_degradation_starts_past_capacity() -> None:
    assert degrade_share(10, 10) == 0.0
    assert degrade_share(20, 10) == pytest.approx(0.5)
    assert degrade_share(1000, 10) == pytest.approx(0.8)  # capped


def test_in_flight_counts_requests_whose_last_token_is_not_due() -> None:
    flight = InFlight()
    assert flight.arrive("a", 100) == 1
    flight.started("a", 500)
    flight.started("a", 300)
    assert flight.arrive("a", 200) == 3 and flight.arrive("b", 200) == 1
    assert flight.arrive("a", 300) == 2  # the one due at 300 is done
    assert flight.arrive("a", 900) == 1


def test_default_capacities_vary_per_offering(sim_catalog: Catalog) -> None:
    values = [capacity(o) for o in sim_catalog.offerings]
    assert min(values) >= 11 and max(values) <= 45 and len(set(values)) > 10
    assert capacity(offering(sim_catalog), override=3) == 3


def test_numbers_are_right_at_rest_and_wrong_past_capacity(sim_catalog: Catalog) -> None:
    o = offering(sim_catalog)
    (request, *_) = number_requests(seed=1)
    text, digits = str(request.messages[-1]["content"]), _asked(request)
    for in_flight, wrong_share in ((1, 0.0), (8, 0.0), (16, 0.5), (32, 0.75)):
        wrong = 0
        for seed in range(400):
            reply = answer(
                ask_for(o, text, temperature=0.0),
                random.Random(seed),
                timing_model(o),
                0.01,
                Conditions(retention_turns=10, in_flight=in_flight, capacity=8),
            )
            assert reply.degraded == (reply.text != digits)
            wrong += reply.text != digits
        assert wrong / 400 == pytest.approx(wrong_share, abs=0.07)


def test_under_load_strict_json_stays_valid_but_changes_and_prompted_json_breaks(
    sim_catalog: Catalog,
) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    strict = offering(sim_catalog, STRICT)
    busy = Conditions(retention_turns=10, in_flight=1000, capacity=1)  # 80 % degrade
    changed = broken = 0
    for seed in range(200):
        prompt = f"Tag message {seed}."
        calm = answer(
            ask_for(strict, prompt, format_kind="json_schema", schema=SCHEMA, temperature=0.0),
            random.Random(seed),
            timing_model(strict),
            0.01,
        )
        loaded = answer(
            ask_for(strict, prompt, format_kind="json_schema", schema=SCHEMA, temperature=0.0),
            random.Random(seed),
            timing_model(strict),
            0.01,
            busy,
        )
        assert validator.is_valid(json.loads(loaded.text))
        assert loaded.degraded == (loaded.text != calm.text)
        changed += loaded.degraded
        prompted = answer(
            ask_for(offering(sim_catalog), f"{prompt} Answer in JSON: {json.dumps(SCHEMA)}"),
            random.Random(seed),
            timing_model(offering(sim_catalog)),
            0.01,
            busy,
        )
        if prompted.degraded:
            broken += not _valid(validator, prompted.text)
    assert 0.6 < changed / 200 < 0.9
    assert broken > 100  # prompted JSON that degraded lost its schema


def test_prose_does_not_change_under_load(sim_catalog: Catalog) -> None:
    o = offering(sim_catalog, STRICT)
    calm = answer(
        ask_for(o, "Say something.", temperature=0.0), random.Random(1), timing_model(o), 1
    )
    busy = Conditions(retention_turns=10, in_flight=1000, capacity=1)
    loaded = answer(
        ask_for(o, "Say something.", temperature=0.0), random.Random(1), timing_model(o), 1, busy
    )
    assert loaded.text == calm.text and not loaded.degraded


def _valid(validator: jsonschema.Draft202012Validator, text: str) -> bool:
    try:
        return validator.is_valid(json.loads(text))
    except json.JSONDecodeError:
        return False


# -- the probe's plan -------------------------------------------------------------------


def test_plan_uses_checkable_samples_at_the_capped_peak(
    sim: SimulatorHandle, sim_catalog: Catalog
) -> None:
    assert checkable_samples(TAGGER) == [0, 1, 2]
    no_schema = WorkloadSpec(
        name="n",
        samples=[SampleSpec([{"role": "user", "content": "x"}]), *TAGGER.samples[:1]],
    )
    assert checkable_samples(no_schema) == [1]  # the one with an answer to check
    rest, load = Correctness().plan(TAGGER, target(sim.url, sim_catalog), Settings(load_seconds=2))
    assert (rest.label, len(rest.requests), rest.load.concurrency) == ("rest", 6, 1)
    assert (load.label, len(load.requests), load.load.mode, load.load.rate) == (
        "load",
        80,
        "open",
        40,
    )
    assert load.requests[3] is load.requests[0]  # the samples, cycled
    assert load.requests[0].response_schema == SCHEMA  # native JSON Schema where offered
    assert load_rate(WorkloadSpec(name="x", peak_rps=5000)) == MAX_RATE
    assert load_rate(WorkloadSpec(name="x")) == 5.0


def test_plan_stays_within_a_share_of_the_cap(sim: SimulatorHandle, sim_catalog: Catalog) -> None:
    t = target(sim.url, sim_catalog)
    (request, *_) = number_requests(seed=1)
    one = worst_case_cost(t.offering, request)
    settings = Settings(load_seconds=10, budget_usd=one * 50)  # a tenth of the cap: 5 requests
    _, load = Correctness().plan(BARE, t, settings)
    assert len(load.requests) == SYNTHETIC  # never fewer than one of each
    settings = Settings(load_seconds=10, budget_usd=one * 200)
    _, load = Correctness().plan(BARE, t, settings)
    assert 18 <= len(load.requests) <= 20  # a tenth of the cap, at the costliest prompt


# -- against the real simulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def crowded() -> Iterator[SimulatorHandle]:
    """Offerings that degrade as soon as two requests overlap; at time scale 0.05 a request
    lasts about 35 ms, so 40 a second overlap often."""
    with running_simulator(LAYERS, time_scale=0.05, seed=4, capacity=1) as handle:
        yield handle


async def _probe(
    url: str, catalog: Catalog, spec: WorkloadSpec, tmp: Path, key: str = KEY
) -> tuple[dict[str, Figure], list[dict[str, object]]]:
    plan = plan_run(
        [(spec, [target(url, catalog, key)])], ["correctness"], Settings(load_seconds=2)
    )
    store = RunStore(tmp / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    outcome = await execute(plan, store, run, SpendCap(1.0))
    figures = {f.metric: f for f in outcome.figures[(spec.name, key, "correctness")]}
    return figures, list(store.attempts(run))


async def test_probe_sees_the_load_the_simulator_degraded(
    crowded: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    figures, attempts = await _probe(crowded.url, sim_catalog, BARE, tmp_path)
    assert figures["rest_correct_share"].value == 1.0 and figures["rest_correct_share"].n == 8
    load = figures["load_correct_share"]
    assert load.n == 80 and load.value is not None and load.value < 0.9
    # Answer by answer, wrong exactly where the simulator says load degraded it. Both phases
    # cycle through the same prompts, so a request index names its prompt.
    asked = [_asked(r) for r in number_requests(Settings().seed)]
    assert len(attempts) == 88 and {a["outcome"] for a in attempts} == {"ok"}
    for a in attempts:
        truth = json.loads(str(a["detail"]))["ground_truth"]
        index = a["request_index"]
        assert isinstance(index, int)
        wrong = a["output"] != asked[index % SYNTHETIC]
        assert wrong == (truth["x-sim-degraded"] == "true")
    assert figures["load_rate_rps"].value == 40
    achieved = figures["load_rate_rps"].detail["achieved_rps"]
    assert achieved == pytest.approx(40, rel=0.05)
    assert figures["load_ttft_ms_p95"].n == 80 and figures["load_send_lag_ms_p99"].value is not None
    assert figures["same_as_rest_share"].value == pytest.approx(load.value, abs=1e-9)


def _asked(request: ChatRequest) -> str:
    """The digits a number-word prompt asks for."""
    words = str(request.messages[-1]["content"]).split(": ", 1)[1].split(".", 1)[0].split()
    return "".join(str(DIGIT_WORDS.index(w)) for w in words)


async def test_at_low_load_answers_hold(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    figures, attempts = await _probe(sim.url, sim_catalog, BARE, tmp_path)
    assert figures["rest_correct_share"].value == figures["load_correct_share"].value == 1.0
    assert all(
        json.loads(str(a["detail"]))["ground_truth"]["x-sim-degraded"] == "false" for a in attempts
    )


async def test_strict_samples_stay_valid_but_change_under_load(
    crowded: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    # gpt-4o-mini has native JSON Schema and lasts long enough at this time scale to overlap.
    figures, _ = await _probe(crowded.url, sim_catalog, TAGGER, tmp_path)
    assert figures["rest_valid_share"].value == figures["load_valid_share"].value == 1.0
    same = figures["same_as_rest_share"]
    assert same.n == 80 and same.value is not None and same.value < 0.9
    assert figures["rest_correct_share"].n == 6
