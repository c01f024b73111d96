"""Self-hosted cost: a deployment's hourly cost as cost per request and per month, labelled
with where its throughput came from; unknown until declared, and then ranked neutrally."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from advisor.match.cost import HOURS_PER_MONTH, deployment_estimate, estimate
from advisor.match.matching import match
from advisor.workload.model import Volume, Workload
from catalog import BUNDLED_DIR, Catalog, load_catalog
from catalog.schema import Deployment, Source

SOURCE = Source(ref="our cloud bill 2026-11", checked=dt.date(2026, 12, 1))
L4 = Deployment(usd_per_hour=0.8, hardware="1x NVIDIA L4", throughput_rps=4.0, source=SOURCE)


def test_declared_throughput_sizes_replicas_and_prices_each_request() -> None:
    w = Workload(name="w", volume=Volume(requests_per_day=864_000, peak_rps=20))
    cost = deployment_estimate(w, L4)
    # 20 req/s at peak over 4 per replica: 5 replicas, always on.
    assert cost.per_month == pytest.approx(5 * 0.8 * HOURS_PER_MONTH)
    assert cost.per_request == pytest.approx(5 * 0.8 * HOURS_PER_MONTH / (864_000 * 30))
    assert cost.per_1k == pytest.approx(5 * 0.8 * HOURS_PER_MONTH / (864_000 * 30) * 1000)
    assert cost.notes[0] == (
        "self-hosted: $0.8/h on 1x NVIDIA L4, declared throughput 4 req/s, 5 replicas always on"
    )
    assert cost.prices_checked == dt.date(2026, 12, 1)


def test_measured_throughput_wins_and_says_so() -> None:
    w = Workload(name="w", volume=Volume(requests_per_day=86_400, peak_rps=2))
    cost = deployment_estimate(w, L4, measured_rps=1.0)
    assert "measured throughput 1 req/s, 2 replicas" in cost.notes[0]


def test_without_a_volume_one_replica_at_full_load() -> None:
    cost = deployment_estimate(Workload(name="w"), L4)
    assert cost.per_request == pytest.approx(0.8 / (3600 * 4))
    assert cost.per_month == pytest.approx(0.8 * HOURS_PER_MONTH)
    assert any("full load" in note for note in cost.notes)


def test_without_throughput_or_volume_the_request_cost_is_unknown() -> None:
    bare = Deployment(usd_per_hour=1.0, hardware="a workstation", source=SOURCE)
    cost = deployment_estimate(Workload(name="w"), bare)
    assert cost.per_request is None and not cost.known
    assert cost.per_month == pytest.approx(HOURS_PER_MONTH)
    assert "throughput unknown" in cost.notes[0]


def _catalog_with(tmp_path: Any, deployment: str) -> Catalog:
    overlay = tmp_path / "home.yaml"
    overlay.write_text(
        "provider: {id: home, name: Home vLLM, api: openai-compatible,"
        " base_url: 'http://127.0.0.1:8000/v1', self_hosted: true}\n"
        "offerings:\n"
        "  - id: llama\n    model: meta/llama-3.1-8b-instruct\n    name: Llama at home\n"
        "    limits: {context: 131072, source: {ref: ours, checked: 2026-12-01}}\n" + deployment
    )
    return load_catalog([BUNDLED_DIR, overlay])


def test_an_undeclared_deployment_ranks_neutrally_not_last(tmp_path: Any) -> None:
    catalog = _catalog_with(tmp_path, "")
    w = Workload(name="w", context_tokens=500, output_tokens=100)
    result = match(w, catalog)
    keys = [c.offering.key for c in result.candidates]
    home = next(c for c in result.candidates if c.offering.key == "home/llama")
    assert estimate(w, home.offering).per_request is None
    cost = next(p for p in home.components if p.name == "cost")
    assert cost.value == 0.5 and "neutral" in cost.why
    # Its other traits are unknown too (no tools, no caching, no sources), which rightly
    # keeps it low; cost alone no longer pushes it to the bottom.
    assert keys[-1] != "home/llama"
    assert home.score == pytest.approx(sum(p.value * p.weight for p in home.components))


def test_a_declared_deployment_is_priced_in_matching(tmp_path: Any) -> None:
    catalog = _catalog_with(
        tmp_path,
        "    deployment: {usd_per_hour: 0.8, hardware: 1x NVIDIA L4, throughput_rps: 4,"
        " source: {ref: our cloud bill, checked: 2026-12-01}}\n",
    )
    w = Workload(name="w", volume=Volume(requests_per_day=10_000, peak_rps=2))
    home = next(c for c in match(w, catalog).candidates if c.offering.key == "home/llama")
    assert home.cost.per_month == pytest.approx(0.8 * HOURS_PER_MONTH)
    assert home.cost.notes[0].startswith("self-hosted: $0.8/h on 1x NVIDIA L4, declared")
