"""The Probes screen, driven by keys: real small runs on the simulator, cancel, the cap, the
latency load settings and the samples view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, ProgressBar, SelectionList, Static, TabbedContent

from advisor import home
from advisor.columns import short_key
from advisor.present.probe import compare_samples
from advisor.probe.lifecycle import chosen_offerings, stored_outcome
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.probes import TABS, ProbesScreen
from advisor.tui.widgets.probe_progress import LatencyHistogram
from advisor.tui.widgets.probe_tables import ProbeResultsTable, RunHistoryTable, SamplesCompareTable
from catalog import Catalog
from probes.store import RunStore
from tests.conftest import DATA
from tests.tui.conftest import TODAY, WORKLOADS, settle

PROBE_WORKLOADS = DATA / "probe" / "workloads.yaml"
"""One workload, `tagger`, allowed only openai: three simulated offerings to probe."""


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live probing is off unless a key is set: make sure none is."""
    catalog = home.load_catalog()
    for provider in catalog.providers.values():
        if provider.key_env:
            monkeypatch.delenv(provider.key_env, raising=False)


def probe_app() -> AdvisorApp:
    """The app on the bundled catalog (what the simulator serves), opened on Probes."""
    app = AdvisorApp(
        catalog=home.load_catalog(), workloads_path=PROBE_WORKLOADS, today=TODAY, screen="probes"
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


def runs(folder: Path) -> list[tuple[int, str, bool]]:
    path = folder / "runs.sqlite"
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
    async with app.run_test(size=(160, 45)) as pilot:  # wide enough for a column per figure
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
        assert "complete for tagger (simulated)" in shown(app, "#probes-results-title")
        assert runs(advisor_home) == [(screen.last_run, "complete", True)]
        await pilot.press("h")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == TABS["history"]
        history = screen.query_one(RunHistoryTable)
        assert history.row_count == 1
        cells = [str(c) for c in history.get_row_at(0)]
        assert cells[2:4] == ["complete", "simulated"]


async def test_results_too_wide_for_columns_become_records(advisor_home: Path) -> None:
    """At 80 columns the figures do not fit a column each: one record per offering, a figure
    a line, its key whole or cut by the column rule; at 160 they are columns again."""
    app = probe_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-requests", Input).value = "4"
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(ProbeResultsTable)
        assert [str(c.label) for c in table.columns.values()] == ["offering", "figures"]
        room = table.size.width
        for row in range(table.row_count):
            offering, figures = (str(cell) for cell in table.get_row_at(row))
            assert offering.endswith("\nsim")
            lines = figures.split("\n")
            assert lines[0].startswith("TTFT p50 ") and lines[0].endswith(" ms")
            widest = max(map(len, offering.split("\n"))) + max(map(len, lines))
            assert widest + 4 <= room, (offering, figures, room)
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        assert "TTFT p50" in [str(c.label) for c in table.columns.values()]


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
        assert any(
            n.title == "Refused" and "exceeds the cap" in n.message for n in app._notifications
        )
        assert runs(advisor_home) == []


async def test_a_simulator_that_fails_to_start_is_reported(
    advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the simulator did not start")

    monkeypatch.setattr("advisor.probe.lifecycle.start_simulator", broken)
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


# -- the latency load ----------------------------------------------------------------------


async def test_load_settings_are_checked_and_shape_the_estimate(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        rate = screen.query_one("#probes-rate", Input)
        concurrency = screen.query_one("#probes-concurrency", Input)
        poisson = screen.query_one("#probes-poisson", Checkbox)
        assert "latency: 10 requests, one at a time" in shown(app, "#probes-estimate")
        assert poisson.disabled and not concurrency.disabled
        concurrency.value = "8"
        await pilot.pause()
        assert "latency: 10 requests, 8 concurrent" in shown(app, "#probes-estimate")
        concurrency.value = "0"
        await pilot.pause()
        assert "In flight must be between 1 and 256." in shown(app, "#probes-estimate")
        await pilot.press("r")  # refused: nothing runs with a bad field
        await pilot.pause()
        assert not screen.running and runs(advisor_home) == []
        concurrency.value = "1"
        rate.value = "20"
        await pilot.pause()
        assert concurrency.disabled and not poisson.disabled  # an open loop: no in-flight cap
        estimate = shown(app, "#probes-estimate")
        assert "latency: 10 requests, open loop, 20 requests/s, about 0.5 s" in estimate
        poisson.focus()
        await pilot.press("space")
        await pilot.pause()
        assert "open loop, 20 requests/s (Poisson)" in shown(app, "#probes-estimate")
        rate.value = "0"
        await pilot.pause()
        assert "The rate must be above 0 and at most 500 requests/s." in shown(
            app, "#probes-estimate"
        )
        rate.value = ""
        await pilot.pause()
        assert not poisson.value and poisson.disabled  # Poisson means nothing without a rate
        assert "one at a time" in shown(app, "#probes-estimate")


async def test_a_run_sends_at_the_chosen_rate(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-kinds", SelectionList).deselect("samples")
        screen.query_one("#probes-requests", Input).value = "5"
        screen.query_one("#probes-rate", Input).value = "50"
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert runs(advisor_home) == [(screen.last_run, "complete", True)]
        store = RunStore(advisor_home / "runs.sqlite")
        (settings,) = store.db.execute("select settings from runs").fetchone()
        assert json.loads(settings)["load"] == "open loop, 50 requests/s"
        by_offering: dict[str, list[int]] = {}
        for attempt in store.attempts(screen.last_run or 0):
            by_offering.setdefault(attempt["offering"], []).append(attempt["intended_ns"])
        assert len(by_offering) == 3
        for intended in by_offering.values():
            gaps = [b - a for a, b in zip(sorted(intended), sorted(intended)[1:], strict=False)]
            assert gaps == pytest.approx([20_000_000] * 4, abs=1_000)  # 50 a second


# -- the samples view ----------------------------------------------------------------------


async def test_the_samples_view_compares_the_latest_run(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-requests", Input).value = "1"
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == TABS["samples"]
        table = screen.query_one(SamplesCompareTable)
        assert table.has_focus and table.row_count == 2
        stored = compare_samples(
            stored_outcome(RunStore(advisor_home / "runs.sqlite"), screen.last_run or 0), "tagger"
        )
        assert stored is not None
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:2] == ["#", "expected"]
        # whole keys, or all shortened by the one rule when whole ones would not fit
        assert labels[2:] in ([*stored.offerings], [short_key(k) for k in stored.offerings])
        assert f"Run {screen.last_run} (simulated): 2 samples × 3 offerings" in shown(
            app, "#samples-title"
        )
        for row in range(2):
            for column, key in enumerate(stored.offerings, start=2):
                cell = str(table.get_cell_at(Coordinate(row, column)))
                answer = stored.answers[row][key]
                assert cell.startswith({True: "✓", False: "✗", None: " "}[answer.agrees])
        detail = shown(app, "#samples-detail")
        assert 'Sample 1 · expected {"tag": "bug"}' in detail
        assert "The export button crashes the app." in detail
        await pilot.press("right", "right", "down")  # the first offering's second answer
        await pilot.pause()
        detail = shown(app, "#samples-detail")
        first = stored.offerings[0]
        assert "Sample 2" in detail and f"{first}:" in detail
        assert stored.answers[1][first].output in detail.replace("\n", "")
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == TABS["run"]


async def test_without_a_run_the_samples_view_says_how_to_get_one(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert "No run has sample outputs for tagger yet" in shown(app, "#samples-title")
        assert not screen_of(app).query_one(SamplesCompareTable).display


async def test_the_highlighted_offering_shows_its_retention(advisor_home: Path) -> None:
    app = probe_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        kinds: SelectionList[str] = screen.query_one("#probes-kinds", SelectionList)
        kinds.deselect_all()
        kinds.select("retention")
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = shown(app, "#probes-offering")
        assert "retention kept" in summary and "of 16 turns" in summary
        assert "json_key " in summary and "avoid_word " in summary
        table = screen.query_one(ProbeResultsTable)
        # Only the probe kind that ran has a column: offering, data, then `kept`.
        assert [str(c.label) for c in table.columns.values()] == ["offering", "data", "kept"]
        assert str(table.get_row_at(0)[-1]).endswith("%")


# -- how it looks ----------------------------------------------------------------------------


def seed_samples_run(home: Path, workloads: Path) -> None:
    """A finished simulated run of the tagger's two samples on three offerings, one answer of
    each kind: agreeing, disagreeing, fenced, schema broken."""
    store = RunStore(home / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True, workloads_file=str(workloads))
    expected = [{"tag": "bug"}, {"tag": "question"}]
    answers = {
        "acme/acme-large-2": [
            ("valid", True, '{"tag": "bug"}'),
            ("valid", False, '{"tag": "praise"}'),
        ],
        "acme/acme-small-2": [
            ("fenced", False, '```json\n{"tag": "bug"}\n```'),
            ("valid", True, '{"tag": "question"}'),
        ],
        "hostel/opal-70b": [
            ("schema_broken", False, '{"tag": 3}'),
            ("valid", True, '{"tag": "question"}'),
        ],
    }
    rows: list[dict[str, Any]] = []
    for key, outputs in answers.items():
        detail = [
            {
                "index": i,
                "outcome": "ok",
                "output": output,
                "schema": schema,
                "expected": expected[i],
                "agrees": agrees,
                "ttft_ms": 180.0 + 10 * i,
                "e2e_ms": 420.0,
                "cost_usd": None,
            }
            for i, (schema, agrees, output) in enumerate(outputs)
        ]
        rows.append(
            {
                "offering": key,
                "probe": "samples",
                "workload": "tagger",
                "metric": "outputs",
                "value": 2.0,
                "n": 2,
                "unit": "samples",
                "detail": {"outputs": detail},
            }
        )
    store.record_results(run, rows)
    store.finish_run(run, "complete")


def fixture_app(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, workloads: Path = PROBE_WORKLOADS
) -> AdvisorApp:
    """The app on the fixture catalog (stable pictures), opened on Probes, live probing off."""
    for provider in catalog.providers.values():
        if provider.key_env:
            monkeypatch.delenv(provider.key_env, raising=False)
    return AdvisorApp(catalog=catalog, workloads_path=workloads, today=TODAY, screen="probes")


def test_snapshot_open_loop_settings(
    tiny_catalog: Catalog, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#probes-rate", Input).value = "20"
        await pilot.pause()
        pilot.app.screen.query_one("#probes-poisson", Checkbox).focus()
        await pilot.press("space")
        await pilot.pause()

    app = fixture_app(tiny_catalog, monkeypatch, WORKLOADS)  # ticket-triage has candidates
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_snapshot_samples_view(
    tiny_catalog: Catalog, snap_compare: Any, monkeypatch: pytest.MonkeyPatch, advisor_home: Path
) -> None:
    seed_samples_run(advisor_home, PROBE_WORKLOADS)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("s", "right", "right", "right")  # the fenced answer
        await pilot.pause()

    app = fixture_app(tiny_catalog, monkeypatch)
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


async def test_on_probes_esc_leaves_a_field_and_r_runs_from_one() -> None:
    app = probe_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProbesScreen)
        screen.query_one("#probes-budget", Input).focus()
        await pilot.pause()
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        screen.query_one("#probes-budget", Input).focus()
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.last_run is not None
        assert screen.query_one("#probes-budget", Input).value == "1.00"  # no 'r' typed


async def test_the_end_of_a_run_shows_over_the_results_not_in_a_notice_on_them(
    advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = probe_app()
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.query_one("#probes-requests", Input).value = "2"
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "complete for tagger (simulated)" in shown(app, "#probes-results-title")
        assert notes == []  # a notice would cover the results at 80×24
        # From another screen, the notice is the only word that the run ended.
        await pilot.press("r", "f4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [n for n in notes if n.startswith(f"Run {screen.last_run} complete")]
