"""App-wide behaviour: screens by key and palette, and failures that never crash the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.screens.candidates import CandidatesScreen
from advisor.tui.screens.catalog import CatalogScreen
from advisor.tui.screens.workloads import WorkloadsScreen
from tests.tui.conftest import settle


async def test_function_keys_switch_screens(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, CatalogScreen)
        for key, screen in (
            ("f3", WorkloadsScreen),
            ("f4", CandidatesScreen),
            ("f2", CatalogScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)


async def test_the_footer_leaves_out_the_screen_on_view(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        shown = {
            binding.action for _, binding, enabled, _ in app.active_bindings.values() if enabled
        }
        assert "switch_mode('workloads')" not in shown
        assert {"switch_mode('catalog')", "switch_mode('candidates')"} <= shown


async def test_the_command_palette_reaches_the_new_screens(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"Candidates")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)
        await pilot.press("ctrl+p", *"Workloads")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkloadsScreen)


async def test_save_as_from_the_palette(workloads_app: AdvisorApp, tmp_path: Path) -> None:
    target = tmp_path / "copy.yaml"
    async with workloads_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Save workloads as")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(workloads_app.screen, PathDialog)
        await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")
        await settle(pilot)
        assert target.exists()
        assert workloads_app.session.path == target


async def test_a_failed_save_is_reported_and_the_app_stays_up(
    workloads_app: AdvisorApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "workloads.yaml"
    notes: list[dict[str, Any]] = []
    monkeypatch.setattr(workloads_app, "notify", lambda message, **kw: notes.append(kw))
    async with workloads_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Save workloads as")
        await pilot.pause(0.5)
        await pilot.press("enter", "ctrl+a", "ctrl+k", *str(target), "enter")
        await settle(pilot)
        assert workloads_app.is_running
        assert isinstance(workloads_app.screen, CandidatesScreen)
        (note,) = notes
        assert note["severity"] == "error" and str(target) in note["title"]
        assert list(tmp_path.iterdir()) == [blocker]
