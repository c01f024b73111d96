"""The cost model: tiers, cached prefixes, reasoning tokens, volume."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.match.cost import estimate
from advisor.workload.model import Volume, Workload
from catalog import Catalog


def offering(catalog: Catalog, key: str):  # type: ignore[no-untyped-def]
    found = catalog.get(key)
    assert found is not None
    return found


def test_per_request_per_1k_and_per_month(tiny_catalog: Catalog) -> None:
    w = Workload(
        name="w", context_tokens=2000, output_tokens=500, volume=Volume(requests_per_day=1000)
    )
    cost = estimate(w, offering(tiny_catalog, "acme/acme-large-2"))
    # 2,000 × $3/M + 500 × $15/M = $0.006 + $0.0075
    assert cost.per_request == pytest.approx(0.0135)
    assert cost.per_1k == pytest.approx(13.5)
    assert cost.per_month == pytest.approx(0.0135 * 1000 * 30)
    assert cost.prices_checked == dt.date(2026, 10, 1)


def test_context_tier_prices_apply_above_the_threshold(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", context_tokens=150_000, output_tokens=1000)
    cost = estimate(w, offering(tiny_catalog, "acme/acme-large-2"))
    assert cost.per_request == pytest.approx((150_000 * 6 + 1000 * 22.5) / 1e6)
    assert any("tier" in note for note in cost.notes)


def test_cacheable_prefix_uses_cached_input_price(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", context_tokens=10_000, cacheable_prefix_tokens=8_000, output_tokens=0)
    cost = estimate(w, offering(tiny_catalog, "acme/acme-large-2"))
    assert cost.per_request == pytest.approx((2_000 * 3 + 8_000 * 0.3) / 1e6)


def test_cacheable_prefix_without_a_cache_price_is_priced_as_input(tiny_catalog: Catalog) -> None:
    w = Workload(name="w", context_tokens=10_000, cacheable_prefix_tokens=8_000, output_tokens=0)
    cost = estimate(w, offering(tiny_catalog, "acme/acme-small-2"))
    assert cost.per_request == pytest.approx(10_000 * 0.15 / 1e6)
    assert "no cached-input price" in cost.notes[0]


def test_unknown_price_gives_unknown_cost(tiny_catalog: Catalog) -> None:
    cost = estimate(Workload(name="w"), offering(tiny_catalog, "acme/acme-small-1"))
    assert cost.per_request is None and cost.per_1k is None and not cost.known


def test_no_volume_no_monthly_figure(tiny_catalog: Catalog) -> None:
    assert (
        estimate(Workload(name="w"), offering(tiny_catalog, "acme/acme-large-2")).per_month is None
    )


def test_reasoning_tokens_on_an_always_reasoning_offering() -> None:
    from catalog import load_catalog

    catalog = load_catalog()
    reasoner = next(
        o
        for o in catalog.offerings
        if o.capabilities.reasoning.always_on and o.pricing and o.pricing.output
    )
    base = Workload(name="w", context_tokens=1000, output_tokens=100)
    without = estimate(base, reasoner)
    assert any("reasoning tokens not included" in n for n in without.notes)
    with_reasoning = estimate(base.model_copy(update={"reasoning_tokens": 2000}), reasoner)
    assert without.per_request is not None and with_reasoning.per_request is not None
    assert with_reasoning.per_request > without.per_request
