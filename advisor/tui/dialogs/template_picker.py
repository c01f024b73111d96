"""Pick the task kind a new workload starts from."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from advisor.workload.model import Task
from advisor.workload.templates import TEMPLATES


class TemplateDialog(ModalScreen[Task | None]):
    """One option per template; Enter picks it, Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("New workload from a template", classes="dialog-title")
            yield OptionList(
                *(
                    Option(Text.assemble((f"{task:<15}", "bold"), (t.summary, "dim")), id=task)
                    for task, t in TEMPLATES.items()
                ),
                id="templates",
            )
            yield Static("Enter: create · Esc: cancel", classes="dialog-hint")

    @on(OptionList.OptionSelected, "#templates")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        task = event.option.id
        self.dismiss(next(t for t in TEMPLATES if t == task))

    def action_cancel(self) -> None:
        self.dismiss(None)
