"""How each screen looks, at the 80×24 minimum and on a wide terminal.

A changed snapshot fails until a person has looked at the report and run
`make snapshot-update`.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from advisor.tui.app import AdvisorApp
from catalog import Catalog
from tests.tui.conftest import TODAY, WORKLOADS, settle


class TestCatalogScreen:
    def test_narrow(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, terminal_size=(80, 24))

    def test_wide_with_detail(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, press=["down"], terminal_size=(140, 36))

    def test_search(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, press=["slash", *"status:deprecated"], terminal_size=(80, 24))

    def test_retired_offering_detail(self, app: AdvisorApp, snap_compare: Any) -> None:
        async def select_retired(pilot: Pilot[None]) -> None:
            await pilot.press("s", "s", "s", "s", "end")

        assert snap_compare(app, run_before=select_retired, terminal_size=(120, 30))


class TestHelpScreen:
    def test_help(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, press=["f1"], terminal_size=(80, 24))


async def _opened(pilot: Pilot[None], *keys: str) -> None:
    """Wait for the workload file to load, then press `keys`."""
    await settle(pilot)
    await pilot.press(*keys)
    await pilot.pause()


class TestWorkloadsScreen:
    def test_narrow(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f3")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_wide(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f3", "down")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(140, 36))

    def test_invalid_value(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f3", "enter", "tab", "tab", "tab", "tab", "minus", "5")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_template_picker(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, press=["f3", "n"], terminal_size=(80, 24))


class TestCandidatesScreen:
    def test_narrow(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot)

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_wide_pinned_and_marked(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "space", "c", "down", "c")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(140, 36))

    def test_excluded(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "e")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_exclusion_reasons(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "e", "enter")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_compare(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "c", "down", "c", "down", "c", "v")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_compare_wide(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "c", "down", "c", "v")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(140, 36))

    def test_without_workloads(self, app: AdvisorApp, snap_compare: Any) -> None:
        assert snap_compare(app, press=["f4"], terminal_size=(80, 24))


class TestProbesScreen:
    """Before any run: the controls and the estimate (no simulator is started for it)."""

    def test_narrow(
        self, workloads_app: AdvisorApp, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _without_keys(workloads_app, monkeypatch)

        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f5")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_over_the_cap(
        self, workloads_app: AdvisorApp, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _without_keys(workloads_app, monkeypatch)

        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f5")
            pilot.app.screen.query_one("#probes-budget", Input).value = "0"
            await pilot.pause()

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_history_empty_wide(
        self, workloads_app: AdvisorApp, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _without_keys(workloads_app, monkeypatch)

        async def run_before(pilot: Pilot[None]) -> None:
            await _opened(pilot, "f5", "h")

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(140, 36))


def _without_keys(app: AdvisorApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live probing shows as off whatever keys the machine running the tests has."""
    for provider in app.catalog.providers.values():
        if provider.key_env:
            monkeypatch.delenv(provider.key_env, raising=False)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
@pytest.mark.parametrize(
    "mode", ["catalog", "workloads", "candidates", "probes", "plan", "traffic"]
)
def test_every_screen(
    mode: str, size: tuple[int, int], tiny_catalog: Catalog, snap_compare: Any
) -> None:
    """Every screen at the 80×24 minimum and at 160×45, on the fixture file, with the
    simulator notice in the title: each row names its offering; Ctrl+Q, F1, Ctrl+P show."""
    app = AdvisorApp(
        catalog=tiny_catalog,
        workloads_path=WORKLOADS,
        today=TODAY,
        screen=mode,
        probe_target="simulator (no provider key set)",
    )
    assert snap_compare(app, run_before=_opened, terminal_size=size)
