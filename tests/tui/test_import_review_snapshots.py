"""How the import review screen looks, at the 80×24 minimum and on a wide terminal.

A changed snapshot fails until a person has looked at the report and run
`make snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from catalog import Catalog
from tests.tui.conftest import settle
from tests.tui.test_import_review import HELD, Recorder, fixture_plan, review_app

RELATIVE_TARGET = Path("tests/catalog/data/import/catalog")
"""The fixture catalog as the screen shows it (tests run from the project root)."""


class TestImportReviewScreen:
    def test_narrow(self, tiny_catalog: Catalog, snap_compare: Any) -> None:
        plan = fixture_plan(RELATIVE_TARGET)
        app = review_app(tiny_catalog, lambda: plan, Recorder())

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)

        assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))

    def test_wide_held_change(self, tiny_catalog: Catalog, snap_compare: Any) -> None:
        plan = fixture_plan(RELATIVE_TARGET)
        app = review_app(tiny_catalog, lambda: plan, Recorder())

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            table = pilot.app.screen.query_one("#review-changes", DataTable)
            table.move_cursor(row=table.get_row_index(HELD))
            await pilot.pause()

        assert snap_compare(app, run_before=run_before, terminal_size=(140, 36))
