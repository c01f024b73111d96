"""The Traffic screen, driven by keys: open a log, cluster it another way, save the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.screens.traffic import TrafficScreen, bars
from advisor.workload.model import load_workloads
from catalog import Catalog
from tests.tui.conftest import TODAY, settle

LOG = Path("tests/traffic/data/openai.jsonl")


async def _type(pilot: Pilot[None], text: str) -> None:
    field = pilot.app.screen.query_one(Input)
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


async def open_log(pilot: Pilot[None], log: Path = LOG) -> None:
    await pilot.press("o")
    await pilot.pause()
    await _type(pilot, str(log))


def traffic_app(catalog: Catalog) -> AdvisorApp:
    return AdvisorApp(catalog=catalog, today=TODAY, screen="traffic")


async def test_f7_opens_the_screen(tiny_catalog: Catalog) -> None:
    app = AdvisorApp(catalog=tiny_catalog, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, TrafficScreen)


async def test_open_cluster_and_save(tiny_catalog: Catalog, tmp_path: Path) -> None:
    app = traffic_app(tiny_catalog)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_log(pilot)
        table = app.screen.query_one(DataTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [
            "support-bot",
            "invoice-extract",
        ]
        await pilot.press("b")  # by system prompt
        await settle(pilot)
        assert app.screen.query_one(DataTable).get_row_at(0)[0].startswith("you-are-the-support")
        out = tmp_path / "derived.yaml"
        await pilot.press("s")
        await pilot.pause()
        await _type(pilot, str(out))
        assert [w.name for w in load_workloads(out)][0].startswith("you-are-the-support")


async def test_a_bad_log_is_shown_not_raised(tiny_catalog: Catalog, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "a", "messages": 3}\n')
    app = traffic_app(tiny_catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot, bad)
        assert isinstance(app.screen, DetailDialog)


def test_bars_scale_to_the_largest_count() -> None:
    assert bars([0, 1, 2, 4]) == "▁▃▅█"
    assert bars([0, 0]) == "▁▁"


class TestSnapshots:
    def test_narrow(self, tiny_catalog: Catalog, snap_compare: Any) -> None:
        assert snap_compare(traffic_app(tiny_catalog), run_before=open_log, terminal_size=(80, 24))

    def test_wide(self, tiny_catalog: Catalog, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await open_log(pilot)
            await pilot.press("down")
            await pilot.pause()

        assert snap_compare(
            traffic_app(tiny_catalog), run_before=run_before, terminal_size=(160, 45)
        )
