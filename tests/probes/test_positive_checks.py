"""Quality checks with a positive requirement: the simulator, which reads its requests as a
model does, meets them (on every wire) where a noise model scores its chance level
(tests/engine); and each check's chance level is reported beside its share."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import Catalog
from probes.harness import SpendCap
from probes.kinds.base import Figure, Settings
from probes.kinds.samples import guess_chance
from probes.kinds.structured import DEFAULT_SCHEMA, instruction
from probes.run import execute, plan_run
from probes.simulator import SimulatorHandle
from probes.simulator.files import decode, read
from probes.spec import SampleSpec, WorkloadSpec
from probes.store import RunStore
from probes.targets import simulated_targets

SPEC = WorkloadSpec(
    name="w",
    context_tokens=60,
    output_tokens=30,
    system_prompt="You are the team's assistant.",
    modalities=["text", "image", "pdf"],
)


async def _probe(
    sim: SimulatorHandle, catalog: Catalog, key: str, kinds: list[str], tmp: Path
) -> dict[str, dict[str, Figure]]:
    offering = catalog.get(key)
    assert offering is not None
    targets = simulated_targets(catalog, [offering], sim.url)
    plan = plan_run([(SPEC, targets)], kinds, Settings(requests=5, turns=3))
    store = RunStore(tmp / "runs.sqlite")
    outcome = await execute(plan, store, store.start_run(target="sim", simulated=True), SpendCap(1))
    return {probe: {f.metric: f for f in fs} for (_, _, probe), fs in outcome.figures.items()}


@pytest.mark.parametrize(
    "key", ["openai/gpt-4o-mini", "anthropic/claude-haiku-5-5", "google/gemini-3.5-flash"]
)
async def test_the_simulator_reads_files_and_dictated_values_on_every_wire(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path, key: str
) -> None:
    figures = await _probe(sim, sim_catalog, key, ["modality", "structured"], tmp_path)
    modality, structured = figures["modality"], figures["structured"]
    for kind in ("image", "pdf"):
        assert modality[f"{kind}_accepted"].value == 1.0
        assert modality[f"{kind}_understood"].value == 1.0, modality[f"{kind}_understood"].detail
    assert modality["image_understood"].detail["chance"] == pytest.approx(1 / 11)
    assert modality["pdf_understood"].detail["chance"] == 0.0
    # Native JSON Schema mode: always valid, which is why validity's chance level is 100 %.
    assert structured["schema_valid_rate"].detail["chance"] == 1.0
    told, valid = structured["instructed_value_rate"], structured["schema_valid_rate"]
    assert (told.n, told.detail["chance"]) == (5, 0.0)
    # Every schema-valid answer holds the dictated value (and a parseable one may too); a wire
    # whose JSON is only prompted, not native, may by the simulator's draw send a broken one.
    assert told.value is not None and valid.value is not None
    assert told.value >= valid.value and told.value >= 0.6


async def test_retention_on_the_simulator_quotes_every_reference(
    sim: SimulatorHandle, sim_catalog: Catalog, tmp_path: Path
) -> None:
    figures = await _probe(sim, sim_catalog, "openai/gpt-4o-mini", ["retention"], tmp_path)
    kept = figures["retention"]["kept_share"]
    assert kept.detail["chance"] == 0.0
    for conversation in kept.detail["conversations"]:
        assert all(conversation["quoted_reference"])
    assert kept.value is not None and kept.value > 0


def test_instructions_prefer_what_cannot_be_guessed() -> None:
    told = instruction(DEFAULT_SCHEMA, 0, seed=1)
    assert told is not None and told.prop == "title" and told.chance == 0.0
    assert told.held_by(f'{{"title": "{told.value}", "priority": "low", "tags": []}}')
    assert not told.held_by('{"title": "something else", "priority": "low", "tags": []}')
    labels = {"type": "object", "properties": {"label": {"enum": list("abcde")}}}
    cycled = [instruction(labels, i, seed=1) for i in range(5)]
    assert [t.value for t in cycled if t] == list("abcde")
    assert all(t and t.chance == pytest.approx(0.2) for t in cycled)
    assert instruction({"type": "object"}, 0, seed=1) is None


def test_chance_of_guessing_an_expected_answer() -> None:
    schema = {
        "type": "object",
        "properties": {"label": {"enum": list("abcde")}, "ok": {"enum": [True, False]}},
    }
    assert guess_chance({"label": "a"}, schema) == pytest.approx(0.2)  # 5 labels: 20 %
    assert guess_chance({"label": "a", "ok": True}, schema) == pytest.approx(0.1)
    assert guess_chance("refund", None) == 0.0  # free text cannot be guessed
    assert guess_chance({"note": "x"}, schema) == 0.0


def test_the_simulator_sees_what_the_probe_files_show() -> None:
    from probes.kinds.modality import PDF, PNG

    assert read("image", decode(f"data:image/png;base64,{PNG}")) == "a red image"
    assert read("pdf", decode(PDF)) == 'a document that reads "Invoice"'
    assert read("image", decode("not base64!")) == "an image"


def test_samples_report_the_chance_of_a_5_label_classifier() -> None:
    spec = WorkloadSpec(
        name="c",
        response_schema={"type": "object", "properties": {"label": {"enum": list("abcde")}}},
        samples=[SampleSpec([{"role": "user", "content": "x"}], {"label": "a"})],
    )
    assert guess_chance(spec.samples[0].expected, spec.response_schema) == pytest.approx(0.2)
