"""How each screen looks, at the 80×24 minimum and on a wide terminal.

A changed snapshot fails until a person has looked at the report and run
`make snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from advisor.tui.app import AdvisorApp


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
