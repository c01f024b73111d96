"""Keys a user finds without reading: the footer at 80 columns, `?`, `q`, `j`/`k`, the command
palette's own commands, and fields on Probes that Esc leaves and `r` runs from."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from advisor import home
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.help import HelpScreen
from tests.tui.conftest import TODAY, WORKLOADS, settle

SCREENS = ["catalog", "workloads", "candidates", "probes", "plan"]


def footer_text(app: AdvisorApp) -> str:
    return " ".join(
        f"{b.key} {b.description}" for (_, b, enabled, _) in app.active_bindings.values() if b.show
    )


@pytest.mark.parametrize("mode", SCREENS)
async def test_quit_help_and_commands_are_in_every_footer(mode: str) -> None:
    app = AdvisorApp(
        catalog=home.load_catalog(), workloads_path=WORKLOADS, today=TODAY, screen=mode
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = footer_text(app)
        for key in ("ctrl+q Quit", "f1 Help", "ctrl+p Commands"):
            assert key in shown, (mode, shown)


async def test_question_mark_helps_and_j_k_move() -> None:
    app = AdvisorApp(catalog=home.load_catalog(), workloads_path=WORKLOADS, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.focused
        assert isinstance(table, DataTable)
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_q_quits() -> None:
    app = AdvisorApp(catalog=home.load_catalog(), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_the_palette_offers_the_apps_actions_first() -> None:
    app = AdvisorApp(catalog=home.load_catalog(), workloads_path=WORKLOADS, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles[:6] == [
            "Run probes",
            "Re-plan",
            "Export",
            "Replay a request log",
            "Next workload",
            "Previous workload",
        ]
        textual_own = [t for t in titles if t.startswith("Display: ")]
        assert textual_own and titles.index(textual_own[0]) > titles.index("Help")
