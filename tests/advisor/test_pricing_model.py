"""Prices as charged, on the bundled catalog: long-context tiers on routes, time-of-day
discounts, batch, input caps, disputed prices and the route-price lint."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.match.cost import alternatives, estimate
from advisor.match.matching import match
from advisor.tui.app import AdvisorApp
from advisor.tui.widgets.offering_table import OfferingTable
from advisor.workload.model import Workload
from catalog import Catalog, load_catalog
from catalog.disputes import dispute_lines, disputed
from catalog.lint import LintConfig, lint_catalog

DAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


def test_a_300k_opus_request_via_openrouter_pays_the_long_context_tier(bundled: Catalog) -> None:
    route = bundled.get("openrouter/anthropic/claude-opus-4.7")
    assert route is not None
    w = Workload(name="w", context_tokens=300_000, output_tokens=2_000)
    cost = estimate(w, route)
    assert cost.per_request == pytest.approx((300_000 * 10 + 2_000 * 37.5) / 1e6)
    assert any("above 200,000" in note for note in cost.notes)
    short = estimate(Workload(name="w", context_tokens=100_000, output_tokens=2_000), route)
    assert short.per_request == pytest.approx((100_000 * 5 + 2_000 * 25) / 1e6)


def test_off_peak_and_batch_prices_are_offered_as_alternatives(bundled: Catalog) -> None:
    w = Workload(name="w", context_tokens=10_000, output_tokens=1_000)
    pro = bundled.get("deepseek/deepseek-v4-pro")
    assert pro is not None and pro.pricing is not None and pro.pricing.discounts
    cheaper = alternatives(w, pro)
    assert cheaper["off-peak"] == pytest.approx((10_000 * 0.66 + 1_000 * 1.98) / 1e6)
    gpt = bundled.get("openai/gpt-4o")
    assert gpt is not None
    assert alternatives(w, gpt)["batch"] == pytest.approx((10_000 * 1.25 + 1_000 * 5) / 1e6)


def test_an_input_cap_inside_the_window_rules_out_longer_prompts(bundled: Catalog) -> None:
    gpt = bundled.get("openai/gpt-5.5")
    assert gpt is not None and gpt.limits.input == 922_000 and gpt.limits.context == 1_050_000
    w = Workload(name="w", context_tokens=950_000, output_tokens=1_000)
    result = match(w, bundled, today=DAY)
    reasons = next(e.reasons for e in result.exclusions if e.offering.key == gpt.key)
    assert any("922k" in r or "922,000" in r for r in reasons), reasons


def test_deepseek_v4_prices_are_shown_as_disputed(bundled: Catalog) -> None:
    for key in ("deepseek/deepseek-v4-pro", "deepseek/deepseek-v4-flash"):
        offering = bundled.get(key)
        assert offering is not None
        dispute = disputed(offering, "pricing.input")
        assert dispute is not None and len(dispute.claims) >= 2
        assert any("models.dev" in line and "disputed" in line for line in dispute_lines(offering))


def test_a_route_priced_unlike_its_lab_is_linted(bundled: Catalog) -> None:
    problems = lint_catalog(bundled, LintConfig(today=DAY, route_tolerance=0.05))
    routed = [p for p in problems if "route tolerance of 5%" in p.message]
    assert routed
    loose = lint_catalog(bundled, LintConfig(today=DAY, route_tolerance=1.0))
    assert not [p for p in loose if "route tolerance" in p.message]


async def test_the_catalog_screen_marks_disputed_prices(bundled: Catalog) -> None:
    app = AdvisorApp(catalog=bundled, today=DAY)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(OfferingTable)
        cells = [str(c) for c in table.get_row("deepseek/deepseek-v4-pro")]
        assert "1.32*" in cells and "3.96*" in cells
        assert "*" not in str(table.get_row("openai/gpt-4o")[3])
