"""A request log replayed through the plan on the Plan screen (`l`): the plan as edited, the
gateway model's report under it with `advisor replay`'s rows and labels, the log the Traffic
screen opened offered first, and a log the plan cannot take said so."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static

from advisor.replay.assign import assign
from advisor.replay.run import replay_model
from advisor.traffic.read import read_logs
from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.screens.plan import PlanScreen
from advisor.tui.widgets.replay_pane import ReplayPane
from advisor.workload.model import load_workloads
from catalog import Catalog
from tests.tui.conftest import TODAY, WORKLOADS, settle

LOG = Path("tests/data/traffic/tui-replay.jsonl")
"""24 requests a few seconds apart: 16 for ticket-triage, 8 for doc-qa, one logged 500."""


def plan_app(catalog: Catalog) -> AdvisorApp:
    return AdvisorApp(catalog=catalog, workloads_path=WORKLOADS, today=TODAY, screen="plan")


async def replay(pilot: Pilot[None], log: Path = LOG) -> ReplayPane:
    """Press `l`, give the log, wait for the replay."""
    await settle(pilot)
    await pilot.press("l")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PathDialog)
    pilot.app.screen.query_one(Input).value = str(log)
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen.query_one(ReplayPane)


def shown(pane: ReplayPane, selector: str) -> str:
    console = Console(width=200, color_system=None)
    with console.capture() as capture:
        console.print(pane.query_one(selector, Static).content)
    return capture.get()


async def test_l_replays_the_plan_as_edited_and_shows_the_report_under_it(
    tiny_catalog: Catalog,
) -> None:
    app = plan_app(tiny_catalog)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert not screen.query_one(ReplayPane).display
        await pilot.press("c", *"0.5", "enter")  # a canary on ticket-triage, the first workload
        await pilot.pause()
        pane = await replay(pilot)
        assert pane.display and pane.has_focus
        report = pane.report
        assert report is not None
        bar = pane.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (24, 24)

        # The same log through the same edited plan, straight from the core, reads the same.
        assert screen.draft is not None
        plan = screen.draft.plan
        canary = plan.workloads[0].canary
        assert canary is not None
        traffic = assign(read_logs([LOG]), load_workloads(WORKLOADS))
        # replay_model runs its own event loop, so off the test's.
        expected = await asyncio.to_thread(replay_model, traffic, plan, report.plan, seed=0)
        assert report.total == expected.total
        assert canary.choice.key in {k.split(" ", 1)[1] for k in report.workloads[0].served_by}, (
            report.workloads[0].served_by
        )

        text = shown(pane, "#replay-result")
        for row in (
            "target: gateway model",
            "SIMULATED: no real provider answered",
            "ticket-triage (real time (scale 1))",
            "whole log",
            "served by primary",
            "fallback share",
            "errors users saw",
            "latency p50 / p95 / p99",
            "cost per month (95% interval)",
            "as logged",
        ):
            assert row in text, (row, text)
        assert "Replay of tests/data/traffic/tui-replay.jsonl (seed 0)" in shown(
            pane, "#replay-status"
        )
        await pilot.press("escape")
        assert screen.table.has_focus


async def test_the_log_open_on_traffic_is_offered_and_a_log_the_plan_cannot_take_says_why(
    tiny_catalog: Catalog, tmp_path: Path
) -> None:
    stranger = tmp_path / "other.jsonl"
    stranger.write_text(LOG.read_text().replace("ticket-triage", "x").replace("doc-qa", "y"))
    app = plan_app(tiny_catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7", "o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(stranger)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert app.screen.query_one(Input).value == str(stranger)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(ReplayPane)
        assert pane.report is None
        status = shown(pane, "#replay-status")
        assert "Cannot replay:" in status
        assert "routes seen: x, y" in status, status


def test_snapshot_narrow(tiny_catalog: Catalog, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot)

    assert snap_compare(plan_app(tiny_catalog), run_before=run_before, terminal_size=(80, 24))


def test_snapshot_wide(tiny_catalog: Catalog, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot)

    assert snap_compare(plan_app(tiny_catalog), run_before=run_before, terminal_size=(160, 45))
