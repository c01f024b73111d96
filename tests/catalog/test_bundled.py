"""The bundled catalog: valid, broad enough, and honest about what it knows."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog import Catalog, load_catalog
from catalog.lifecycle import status_on

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


def test_loads_without_errors_or_warnings(bundled: Catalog) -> None:
    assert [str(w) for w in bundled.warnings] == []


def test_breadth(bundled: Catalog) -> None:
    assert len(bundled.offerings) >= 60
    providers = {o.provider for o in bundled.offerings}
    assert {
        "openai",
        "anthropic",
        "google",
        "openrouter",
        "mistral",
        "deepseek",
        "groq",
        "together",
        "xai",
        "local-vllm",
    } <= providers


def test_openrouter_has_free_variants(bundled: Catalog) -> None:
    free = [o for o in bundled.offerings if o.provider == "openrouter" and o.free]
    assert free
    for offering in free:
        assert offering.id.endswith(":free")
        assert offering.pricing is not None
        assert (offering.pricing.input, offering.pricing.output) == (0, 0)


def test_self_hosted_provider_has_no_key_and_no_invented_price(bundled: Catalog) -> None:
    provider = bundled.providers["local-vllm"]
    assert provider.self_hosted and provider.key_env is None
    assert provider.base_url.startswith("http://127.0.0.1")
    for offering in bundled.offerings:
        if offering.provider == "local-vllm":
            assert offering.pricing is None


@pytest.mark.parametrize(
    "key",
    [
        "google/gemini-2.0-flash",
        "openrouter/google/gemini-2.0-flash-exp:free",
        "anthropic/claude-3-7-sonnet-20250219",
        "anthropic/claude-3-5-haiku-20241022",
    ],
)
def test_models_common_advice_still_names_carry_their_lifecycle(bundled: Catalog, key: str) -> None:
    offering = bundled.get(key)
    assert offering is not None, key
    life = offering.lifecycle
    assert life.status in ("deprecated", "retired")
    assert life.source is not None
    assert life.successor is not None and bundled.get(life.successor) is not None
    successor = bundled.get(life.successor)
    # still served; a route successor may itself be deprecated by its lab's shutdown date
    assert successor is not None and status_on(successor.lifecycle, TODAY).served
    if life.status == "retired":
        assert life.shutdown_date is not None


def test_every_figure_has_a_source(bundled: Catalog) -> None:
    for offering in bundled.offerings:
        assert offering.limits.source.ref, offering.key
        life = offering.lifecycle
        if life.status != "active" or life.successor or life.shutdown_date:
            assert life.source is not None, offering.key


def test_anthropic_has_no_seed(bundled: Catalog) -> None:
    for offering in bundled.offerings:
        if offering.provider == "anthropic":
            assert offering.determinism.seed is not True, offering.key


def test_prices_are_per_million_tokens(bundled: Catalog) -> None:
    """A per-token price slipped in unconverted would be ~1e-6; none is that small but zero."""
    for offering in bundled.offerings:
        if offering.pricing is None:
            continue
        for value in (offering.pricing.input, offering.pricing.output):
            assert value is None or value == 0 or value >= 0.001, offering.key


def test_api_ids_are_unique_per_provider_and_models_are_shared(bundled: Catalog) -> None:
    by_model: dict[str, set[str]] = {}
    for offering in bundled.offerings:
        by_model.setdefault(offering.model, set()).add(offering.provider)
    assert any(len(hosts) >= 2 for hosts in by_model.values()), "no model is offered twice"
