"""The Catalog screen, driven by keys as a user would."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Input, Static

from advisor.present import catalog
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.catalog import CatalogScreen
from advisor.tui.screens.help import HelpScreen
from advisor.tui.widgets.offering_detail import OfferingDetail
from advisor.tui.widgets.offering_table import OfferingTable


def rows(app: AdvisorApp) -> list[str]:
    table = app.screen.query_one(OfferingTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def detail_text(app: AdvisorApp) -> str:
    """What the detail pane shows, as plain text."""
    offering = app.screen.query_one(OfferingDetail).offering
    assert offering is not None
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(catalog.offering_detail(offering))
    return console.export_text()


async def test_opens_on_the_catalog_with_every_offering(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CatalogScreen)
        assert len(rows(app)) == 6
        assert app.screen.query_one(OfferingTable).has_focus


async def test_search_filters_and_escape_returns_to_the_table(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        assert app.screen.query_one("#search", Input).has_focus
        await pilot.press(*"provider:acme -status:retired")
        await pilot.pause()
        assert rows(app) == ["acme/acme-large-1", "acme/acme-large-2", "acme/acme-small-2"]
        await pilot.press("escape")
        assert app.screen.query_one(OfferingTable).has_focus


async def test_bad_filter_is_shown_not_raised(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#search", Input).value = "ctx:lots"
        await pilot.pause()
        status = str(app.screen.query_one("#status-line", Static).render())
        assert "ctx:lots" in status
        assert len(rows(app)) == 6  # the last good result stays


async def test_moving_the_cursor_shows_every_trait_with_its_source(app: AdvisorApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Acme Large 1" in detail_text(app)
        await pilot.press("down")
        await pilot.pause()
        text = detail_text(app)
        assert "Acme Large 2" in text
        assert "fixture · checked 2026-10-01" in text
        assert "above 128k input: in 6.00" in text


async def test_sort_cycles_through_orders(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert rows(app)[0] == "acme/acme-large-2"  # largest context first
        await pilot.press("s")
        await pilot.pause()
        first, *_, last = rows(app)
        assert first == "hostel/opal-70b:free" and last == "acme/acme-small-1"  # unknown last


async def test_help_opens_and_closes(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogScreen)


async def test_zoom_maximises_the_focused_pane(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("z")
        assert app.screen.maximized is app.screen.query_one(OfferingTable)
        await pilot.press("z")
        assert app.screen.maximized is None
