"""A scrollable pane of detail over the current screen: problems of a file, every reason an
offering was excluded, every trait of a candidate."""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class DetailDialog(ModalScreen[None]):
    """A title over a scrollable renderable; Escape, Enter or q closes it."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, title: str, body: RenderableType, *, error: bool = False) -> None:
        super().__init__(classes="-error" if error else "")
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self.body, id="dialog-body")
            yield Static("Esc: close · ↑↓: scroll", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
