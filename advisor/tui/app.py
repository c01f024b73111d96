"""The Textual app: one screen per pipeline stage, reachable by key and from the command palette.

The app holds the session (the loaded catalog); screens read it and never reach into each
other. Only `advisor.tui` imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from advisor.tui.screens.catalog import CatalogScreen
from advisor.tui.screens.help import HelpScreen
from catalog import Catalog


class AdvisorApp(App[None]):
    """Model Advisor's terminal UI."""

    TITLE = "Model Advisor"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    MODES = {"catalog": CatalogScreen}
    DEFAULT_MODE = "catalog"
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "switch_mode('catalog')", "Catalog", id="catalog"),
    ]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        """The catalog every screen reads: bundled data plus the user's overlays."""

    def on_mount(self) -> None:
        self.sub_title = (
            f"{len(self.catalog.offerings)} offerings · {len(self.catalog.providers)} providers"
        )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Catalog", "Browse and search offerings (F2)", self._show_catalog)
        yield SystemCommand("Help", "Keys and the search syntax (F1)", self.action_help)

    def _show_catalog(self) -> None:
        self.switch_mode("catalog")
