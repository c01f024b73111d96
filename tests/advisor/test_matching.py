"""Matching: hard constraints with reasons, flags for unknowns, scores, and the example file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from advisor.match.matching import MatchResult, match
from advisor.workload.model import (
    Budget,
    DataRules,
    Latency,
    ProviderRules,
    Workload,
    load_workloads,
)
from catalog import Catalog, load_catalog

TODAY = dt.date(2026, 11, 25)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workloads.yaml"


def keys(result: MatchResult) -> list[str]:
    return [c.offering.key for c in result.candidates]


def reasons(result: MatchResult, key: str) -> tuple[str, ...]:
    return next(e.reasons for e in result.exclusions if e.offering.key == key)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def example(bundled: Catalog) -> dict[str, MatchResult]:
    return {w.name: match(w, bundled, today=TODAY) for w in load_workloads(EXAMPLE)}


def test_every_example_workload_has_candidates_and_reasoned_exclusions(
    example: dict[str, MatchResult],
) -> None:
    for result in example.values():
        assert result.candidates, result.workload.name
        assert result.exclusions
        assert all(e.reasons for e in result.exclusions)


def test_no_retired_offering_is_ever_a_candidate(example: dict[str, MatchResult]) -> None:
    for result in example.values():
        for c in result.candidates:
            assert c.offering.lifecycle.status != "retired"
            shutdown = c.offering.lifecycle.shutdown_date
            assert shutdown is None or shutdown > TODAY


def test_nightly_digest_needs_a_900k_window(example: dict[str, MatchResult]) -> None:
    result = example["nightly-digest"]
    for c in result.candidates:
        if c.offering.limits.context is None:  # unknown: a candidate only with the flag
            assert "needs probe: context" in c.flags
            continue
        assert c.offering.limits.context >= 900_000 + 1500


def test_invoice_extraction_needs_images_pdf_schema_and_zero_retention(
    example: dict[str, MatchResult],
) -> None:
    for c in example["invoice-extraction"].candidates:
        o = c.offering
        assert {"image", "pdf"} <= set(o.modalities.input)
        assert o.capabilities.structured_output.json_schema is not False
        if o.capabilities.structured_output.json_schema is None:
            assert "needs probe: structured_output" in c.flags
        assert o.data.zero_retention is not False
        if o.data.zero_retention is None:
            assert "unverified: zero_retention" in c.flags


def test_billing_classifier_candidates_have_a_seed_or_a_flag(
    example: dict[str, MatchResult],
) -> None:
    for c in example["billing-classifier"].candidates:
        assert c.offering.determinism.seed is True or "needs probe: determinism" in c.flags


def test_retired_offerings_name_their_successor(
    bundled: Catalog, example: dict[str, MatchResult]
) -> None:
    why = reasons(example["brainstorm"], "anthropic/claude-3-7-sonnet-20250219")
    assert why[0] == "retired on 2026-02-19; successor anthropic/claude-sonnet-5-5"


def test_every_failed_constraint_is_listed(tiny_catalog: Catalog) -> None:
    w = Workload(
        name="w",
        context_tokens=150_000,
        output_tokens=20_000,
        modalities=["text", "audio"],
        tool_calling=True,
        budget=Budget(usd_per_1k_requests=0.01),
        providers=ProviderRules(deny=["acme"]),
    )
    result = match(w, tiny_catalog, today=TODAY)
    why = reasons(result, "acme/acme-small-2")
    assert any(r.startswith("context window 128k cannot hold 150k input") for r in why)
    assert any(r.startswith("output limit 16Ki is below 20k output") for r in why)
    assert "takes no audio input" in why
    assert any("over the $0.01 budget" in r for r in why)
    assert "provider acme is in providers.deny" in why


def test_unknown_traits_keep_the_candidate_with_a_flag(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", structured_output="json_schema", determinism="strict")
    result = match(w, tiny_catalog, today=TODAY)
    small = next(c for c in result.candidates if c.offering.key == "acme/acme-small-2")
    assert "needs probe: structured_output" in small.flags
    assert "needs probe: determinism" in small.flags
    large = next(c for c in result.candidates if c.offering.key == "acme/acme-large-2")
    assert "needs probe: structured_output" not in large.flags
    assert "needs probe: determinism" not in large.flags


def test_known_false_excludes(tiny_catalog: Catalog) -> None:
    result = match(Workload(name="w", tool_calling=True), tiny_catalog, today=TODAY)
    assert reasons(result, "hostel/opal-70b") == ("no tool calling",)


def test_shutdown_within_the_horizon_excludes_and_later_warns(tiny_catalog: Catalog) -> None:
    w = Workload(name="w")
    near = match(w, tiny_catalog, today=dt.date(2026, 12, 1))
    assert reasons(near, "acme/acme-large-1")[0].startswith("shuts down 2027-02-01, within 90 days")
    far = match(w, tiny_catalog, today=dt.date(2026, 6, 1))
    deprecated = next(c for c in far.candidates if c.offering.key == "acme/acme-large-1")
    assert deprecated.warnings[0].startswith("deprecated, shuts down 2027-02-01")
    lifecycle = next(p for p in deprecated.components if p.name == "lifecycle")
    assert lifecycle.value < 1


def test_successor_is_marked_as_replacing_the_retired_offering(tiny_catalog: Catalog) -> None:
    result = match(Workload(name="w"), tiny_catalog, today=TODAY)
    small = next(c for c in result.candidates if c.offering.key == "acme/acme-small-2")
    assert small.replaces == ("acme/acme-small-1",)


def test_zero_retention_and_regions(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", data=DataRules(zero_retention=True, regions=["eu"]))
    c = match(w, tiny_catalog, today=TODAY).candidates[0]
    assert {"unverified: zero_retention", "unverified: regions"} <= set(c.flags)


def test_free_tier_daily_cap(tiny_catalog: Catalog) -> None:
    from advisor.workload.model import Volume

    result = match(
        Workload(name="w", volume=Volume(requests_per_day=100)), tiny_catalog, today=TODAY
    )
    assert reasons(result, "hostel/opal-70b:free") == (
        "free tier allows 50 requests a day, 100 needed",
    )


def test_latency_budget_without_figures_flags(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", latency=Latency(ttft_p95_ms=500, e2e_p95_ms=2000))
    c = match(w, tiny_catalog, today=TODAY).candidates[0]
    assert c.flags.count("needs probe: latency") == 1


def test_scores_have_visible_components_and_changeable_weights(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", task="classification")
    result = match(w, tiny_catalog, today=TODAY)
    top = result.candidates[0]
    assert [p.name for p in top.components] == [
        "cost",
        "latency",
        "context",
        "task_fit",
        "lifecycle",
        "confidence",
    ]
    assert top.score == pytest.approx(sum(p.points for p in top.components), abs=1e-3)
    assert sum(p.weight for p in top.components) == pytest.approx(1)
    cost_only = w.model_copy(
        update={
            "weights": w.weights.model_copy(
                update={"latency": 0, "context": 0, "task_fit": 0, "lifecycle": 0, "confidence": 0}
            )
        }
    )
    ranked = match(cost_only, tiny_catalog, today=TODAY).candidates
    costs = [c.cost.per_request for c in ranked if c.cost.per_request is not None]
    assert costs == sorted(costs)


def test_task_fit_prefers_disciplined_offerings_for_classification(tiny_catalog: Catalog) -> None:
    result = match(Workload(name="w", task="classification"), tiny_catalog, today=TODAY)
    fit = {
        c.offering.key: next(p.value for p in c.components if p.name == "task_fit")
        for c in result.candidates
    }
    assert fit["acme/acme-large-2"] > fit["hostel/opal-70b"]
