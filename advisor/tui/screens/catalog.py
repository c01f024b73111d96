"""The Catalog screen: search, filter and sort offerings; read every trait and its source."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from advisor.tui.widgets.offering_detail import OfferingDetail
from advisor.tui.widgets.offering_table import SORT_ORDERS, OfferingTable
from catalog import Catalog
from catalog.query import QueryError, parse_query


class CatalogScreen(Screen[None]):
    """Browse the catalog."""

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="catalog.search"),
        Binding("s", "sort", "Sort", id="catalog.sort"),
        Binding("z", "maximize_pane", "Zoom", id="catalog.zoom"),
        Binding("escape", "leave_search", "Table", show=False, id="catalog.table"),
    ]

    sort_index: reactive[int] = reactive(0)
    """Which entry of SORT_ORDERS orders the table."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Search: words, provider:openai status:active input:image ctx:128k free",
            id="search",
        )
        with Horizontal(id="body"):
            yield OfferingTable(id="offerings")
            yield OfferingDetail(id="detail")
        yield Static(id="status-line")
        yield Footer(compact=True, show_command_palette=False)  # room for the keys at 80 columns

    @property
    def catalog(self) -> Catalog:
        catalog: Catalog = self.app.catalog  # type: ignore[attr-defined]
        return catalog

    @property
    def today(self) -> dt.date | None:
        """The day the app judges lifecycles on (the session's; None is the real today)."""
        session = getattr(self.app, "session", None)
        return getattr(session, "today", None)

    @property
    def table(self) -> OfferingTable:
        return self.query_one(OfferingTable)

    def on_mount(self) -> None:
        self.query_one(OfferingDetail).today = self.today
        self.refresh_rows()
        self.table.focus()

    def refresh_rows(self) -> None:
        """Apply the search box and the sort order to the table."""
        text = self.query_one("#search", Input).value
        status = self.query_one("#status-line", Static)
        try:
            offerings = parse_query(text, self.today).filter(self.catalog.offerings)
        except QueryError as error:
            status.update(f"[red]{error}[/]")
            return
        order = SORT_ORDERS[self.sort_index]
        self.table.show(offerings, order, self.today)
        status.update(
            f"{len(offerings)} of {len(self.catalog.offerings)} offerings · sorted by {order.label}"
            "   [dim]? = unknown[/]"
        )

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.table.focus()

    @on(OfferingTable.Highlighted)
    def _show_detail(self, event: OfferingTable.Highlighted) -> None:
        self.query_one(OfferingDetail).offering = event.offering

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave_search(self) -> None:
        if self.maximized is not None:
            self.minimize()
        self.table.focus()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORT_ORDERS)

    def watch_sort_index(self) -> None:
        if self.is_mounted:
            self.refresh_rows()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)
