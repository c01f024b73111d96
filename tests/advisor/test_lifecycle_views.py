"""One offering, one state: on 2026-12-06 the offerings shut down on 2026-11-30 and 2026-12-01
are retired in every view of the bundled catalog, whatever status their source wrote."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from advisor.cli import cli
from advisor.match.matching import match
from advisor.present import catalog
from advisor.tui.app import AdvisorApp
from advisor.tui.widgets.offering_table import OfferingTable
from advisor.workload.model import load_workloads
from catalog import Catalog, load_catalog
from catalog.lifecycle import status_on
from catalog.lint import LintConfig, lint_catalog
from probes.simulator.behaviour import is_retired
from tests.advisor.test_matching import EXAMPLE

DAY = dt.date(2026, 12, 6)
GONE = {
    "anthropic/claude-sonnet-4-5-20250929": dt.date(2026, 11, 30),
    "google/gemini-2.5-pro": dt.date(2026, 12, 1),
    "google/gemini-2.5-flash": dt.date(2026, 12, 1),
    "openrouter/google/gemini-2.5-flash": dt.date(2026, 12, 1),  # a route inherits the shutdown
}


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


def plain(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_rule_render_and_simulator_say_retired(bundled: Catalog) -> None:
    for key, shutdown in GONE.items():
        offering = bundled.get(key)
        assert offering is not None, key
        assert status_on(offering.lifecycle, DAY).status == "retired"
        assert status_on(offering.lifecycle, DAY).since == shutdown
        assert catalog.status(offering, today=DAY).plain.startswith(f"retired {shutdown}")
        assert "status      retired" in plain(catalog.offering_detail(offering, DAY))
        assert is_retired(offering, DAY)
        assert not is_retired(offering, shutdown - dt.timedelta(days=1))


def test_query_and_catalog_show_say_retired(bundled: Catalog) -> None:
    retired = {o.key for o in bundled.search("status:retired", DAY)}
    assert set(GONE) <= retired
    assert not set(GONE) & {o.key for o in bundled.search("status:deprecated", DAY)}
    runner = CliRunner(env={"COLUMNS": "200"})
    shown = runner.invoke(cli, ["catalog", "show", "--json", "--today", "2026-12-06", "gemini-2.5"])
    assert shown.exit_code == 0, shown.output
    status = {o["key"]: o["status"] for o in json.loads(shown.stdout)}
    assert status["google/gemini-2.5-pro"] == {
        "on": "2026-12-06",
        "status": "retired",
        "since": "2026-12-01",
    }
    table = runner.invoke(cli, ["catalog", "show", "--today", "2026-12-06", "sonnet-4-5"])
    row = next(line for line in table.stdout.splitlines() if "claude-sonnet-4-5-20250929" in line)
    assert "retired" in row and "deprecated" not in row


def test_the_route_inherits_a_sourced_lifecycle(bundled: Catalog) -> None:
    for key in (
        "openrouter/openai/gpt-4o",
        "openrouter/openai/gpt-4o-mini",
        "openrouter/openai/gpt-4.1",
        "openrouter/google/gemini-2.5-flash",
    ):
        offering = bundled.get(key)
        assert offering is not None
        source = offering.lifecycle.source
        assert offering.lifecycle.shutdown_date is not None and source is not None, key
        assert "inherited" in (source.note or "")


def test_lint_and_matcher_agree(bundled: Catalog) -> None:
    problems = lint_catalog(bundled, LintConfig(today=DAY))
    assert not [p for p in problems if p.severity == "error"]
    for workload in load_workloads(EXAMPLE):
        result = match(workload, bundled, today=DAY)
        assert not set(GONE) & {c.offering.key for c in result.candidates}
        for exclusion in result.exclusions:
            if exclusion.offering.key in GONE:
                assert any(r.startswith("retired on") for r in exclusion.reasons)


async def test_the_catalog_screen_says_retired(bundled: Catalog) -> None:
    app = AdvisorApp(catalog=bundled, today=DAY)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(OfferingTable)
        for key in GONE:
            cells = table.get_row(key)
            assert str(cells[-1]) == "retired", key
