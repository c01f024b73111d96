"""The Probes screen, driven by keys: real small runs on the simulator, cancel, the cap."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, ProgressBar, SelectionList, Static, TabbedContent

from advisor import catalogs
from advisor.probing import chosen_offerings
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.probes import TABS, ProbesScreen
from advisor.tui.widgets.probe_progress import LatencyHistogram
from advisor.tui.widgets.probe_tables import ProbeResultsTable, RunHistoryTable
from probes.store import RunStore
from tests.conftest import DATA
from tests.tui.conftest import TODAY, settle

PROBE_WORKLOADS = DATA / "probe" / "workloads.yaml"
"""One workload, `tagger`, allowed only openai: three simulated offerings to probe."""


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live probing is off unless a key is set: make sure none is."""
    catalog = catalogs.load()
    for provider in catalog.providers.values():
        if provider.key_env:
            monkeypatch.delenv(provider.key_env, raising=False)


def probe_app() -> AdvisorApp:
    """The app on the bundled catalog (what the simulator serves), opened on Probes."""
    app = AdvisorApp(
        catalog=catalogs.load(), workloads_path=PROBE_WORKLOADS, today=TODAY, screen="probes"
    )
    app.probe_time_scale = 0.02
    return app


def screen_of(app: AdvisorApp) -> ProbesScreen:
    screen = app.screen
    assert isinstance(screen, ProbesScreen)
    return screen


def shown(app: AdvisorApp, selector: str) -> str:
    console = Console(width=100, color_system=None)
    with console.capture() as capture:
        console.print(app.screen.query_one(selector, Static).content)
    return capture.get()


def runs(home: Path) -> list[tuple[int, str, bool]]:
    path = home / "runs.sqlite"
    return [(r.id, r.status, r.simulated) for r in RunStore(path).runs()] if path.exists() else []


async def test_the_estimate_shows_before_running(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        estimate = shown(app, "#probes-estimate")
        # latency (10 requests) and samples (2) on each of the top 3 offerings
        assert "Estimate (simulated): 36 requests, 3 offerings" in estimate
        assert "cap $1" in estimate and "r runs" in estimate
        assert "live is off: no provider key is set" in estimate
        screen_of(app).query_one("#probes-requests", Input).value = "4"
        await pilot.pause()
        assert "18 requests" in shown(app, "#probes-estimate")
        kinds: SelectionList[str] = app.screen.query_one("#probes-kinds", SelectionList)
        kinds.deselect_all()
        await pilot.pause()
        assert "Check at least one probe" in shown(app, "#probes-estimate")
        assert runs(advisor_home) == []


async def test_a_simulated_run_shows_progress_results_and_history(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-requests", Input).value = "4"
        await pilot.pause()
        await pilot.press("r")
        assert screen.running
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        done, total = screen.progress
        assert done == total == 3 * (4 + 2)
        assert screen.query_one(ProgressBar).progress == total
        assert screen.query_one(LatencyHistogram).values
        expected = [o.key for o in chosen_offerings(app.session.result("tagger"), 3)]
        table = screen.query_one(ProbeResultsTable)
        assert sorted(str(k.value) for k in table.rows) == sorted(expected)
        row = table.get_row(expected[0])
        assert str(row[1]) == "sim"
        assert str(row[2]).endswith("ms")  # TTFT p50
        assert "complete (simulated)" in shown(app, "#probes-results-title")
        assert runs(advisor_home) == [(screen.last_run, "complete", True)]
        await pilot.press("h")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == TABS["history"]
        history = screen.query_one(RunHistoryTable)
        assert history.row_count == 1
        cells = [str(c) for c in history.get_row_at(0)]
        assert cells[2:4] == ["complete", "simulated"]


async def test_cancel_right_after_starting_keeps_the_app_up(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("r", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        assert runs(advisor_home) == [(screen.last_run, "cancelled", True)]
        assert "cancelled" in shown(app, "#probes-results-title")
        assert app.is_running
        # The screen is ready for another run.
        assert screen.check_action("run", ()) is True


async def test_a_worst_case_over_the_cap_is_refused(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-budget", Input).value = "0.000001"
        await pilot.pause()
        assert "over the cap: r refuses" in shown(app, "#probes-estimate")
        await pilot.press("r")
        await pilot.pause()
        assert not screen.running and screen.last_run is None
        assert any("Refused" in n.message for n in app._notifications)
        assert runs(advisor_home) == []


async def test_a_simulator_that_fails_to_start_is_reported(
    advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the simulator did not start")

    monkeypatch.setattr("advisor.tui.screens.probes.start_simulator", broken)
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and not screen.running
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [n.message for n in errors] == ["the simulator did not start"]
        assert runs(advisor_home) == []


async def test_pinned_candidates_are_what_is_probed(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        result = app.session.result("tagger")
        fifth = result.candidates[4].offering.key
        app.session.toggle_pin("tagger", fifth)
        await pilot.press("f4", "f5")
        await pilot.pause()
        assert "1 offering" in shown(app, "#probes-estimate")
        assert "probing the 1 pinned" in shown(app, "#candidates-summary")


async def test_without_workloads_the_screen_says_how_to_get_some(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, ProbesScreen)
        assert app.screen.query_one("#probes-empty").display
        assert app.screen.check_action("run", ()) is False
        await pilot.press("right_square_bracket", "left_square_bracket")  # nothing to cycle
        await pilot.pause()
        assert isinstance(app.screen, ProbesScreen)
