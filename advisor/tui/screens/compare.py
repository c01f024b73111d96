"""Side-by-side compare of 2 to 4 candidates of one workload."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from advisor.match.matching import Candidate
from advisor.tui.widgets.compare_table import compare_header, compare_table

MIN_COMPARED = 2
MAX_COMPARED = 4


class CompareScreen(ModalScreen[None]):
    """One column per offering: limits, prices, capabilities, lifecycle, cost and score."""

    BINDINGS = [Binding("escape,q,v", "close", "Close")]

    def __init__(
        self, workload: str, candidates: Sequence[Candidate], ranks: Sequence[int]
    ) -> None:
        super().__init__()
        if not MIN_COMPARED <= len(candidates) <= MAX_COMPARED:
            raise ValueError(f"compare takes {MIN_COMPARED} to {MAX_COMPARED} offerings")
        self.workload = workload
        self.candidates = list(candidates)
        self.ranks = list(ranks)

    def compose(self) -> ComposeResult:
        with Vertical(id="compare"):
            yield Static(
                f"[b]Compare[/] · {self.workload}   [dim]green: best · ↑↓ PgDn: scroll · Esc: close[/]",
                id="compare-title",
            )
            yield Static(compare_header(self.candidates, self.ranks), id="compare-header")
            with VerticalScroll(id="compare-scroll"):
                yield Static(compare_table(self.candidates), id="compare-table")

    def on_mount(self) -> None:
        self.query_one("#compare-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
