"""The line above the Candidates tables: which workload, and what is pinned and marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select, Static

from advisor.tui.widgets.candidate_table import COMPARE_MARK, PIN_MARK


class WorkloadBar(Horizontal):
    """A workload picker and a count of pins and marks; posts `Picked` when the user picks."""

    @dataclass
    class Picked(Message):
        name: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._names: list[str] = []

    def compose(self) -> ComposeResult:
        yield Select[str]([], prompt="workload", compact=True, id="workload-select")
        yield Static(id="candidates-summary")

    def show(self, names: Sequence[str], current: str) -> None:
        """Offer `names` with `current` chosen (without posting `Picked`)."""
        select: Select[str] = self.query_one(Select)
        with self.prevent(Select.Changed):
            if self._names != list(names):
                self._names = list(names)
                select.set_options((name, name) for name in names)
            select.value = current

    def count(self, pinned: int, marked: int) -> None:
        """Show how many candidates are pinned for probing and marked for comparison."""
        self.query_one("#candidates-summary", Static).update(
            Text.assemble(
                (f"{PIN_MARK} {pinned} pinned", "green"),
                " · ",
                (f"{COMPARE_MARK} {marked} marked", "cyan"),
                (" · [ ] other workload", "dim"),
            )
        )

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.Picked(event.value))
