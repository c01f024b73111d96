"""Latency prompts: a fresh nonce against providers' caches, a repeatable one for a seeded
simulated run (so two runs on one seed ask the same and the simulator draws the same)."""

from __future__ import annotations

from catalog import Catalog
from probes.kinds.base import Settings
from probes.kinds.latency import Latency
from probes.spec import WorkloadSpec
from probes.targets import Target

SPEC = WorkloadSpec(name="chat", context_tokens=300)


def _prompts(catalog: Catalog, settings: Settings, spec: WorkloadSpec = SPEC) -> list[str]:
    offering = catalog.offerings[0]
    target = Target(offering, "openai", "http://127.0.0.1:9/v1", None, simulated=True)
    (batch,) = Latency().plan(spec, target, settings)
    return [str(r.messages[-1]["content"]) for r in batch.requests]


def test_without_a_seed_every_plan_asks_afresh(sim_catalog: Catalog) -> None:
    first, again = _prompts(sim_catalog, Settings()), _prompts(sim_catalog, Settings())
    assert len(set(first)) == len(first)
    assert not set(first) & set(again)


def test_one_seed_asks_the_same_and_another_seed_or_workload_does_not(
    sim_catalog: Catalog,
) -> None:
    seeded = _prompts(sim_catalog, Settings(prompt_seed=3))
    assert _prompts(sim_catalog, Settings(prompt_seed=3)) == seeded
    assert len(set(seeded)) == len(seeded)
    assert not set(_prompts(sim_catalog, Settings(prompt_seed=4))) & set(seeded)
    other = WorkloadSpec(name="digest", context_tokens=300)
    assert not set(_prompts(sim_catalog, Settings(prompt_seed=3), other)) & set(seeded)
