"""The Candidates screen: per workload, ranked candidates, exclusions with every reason, the
score breakdown and cost of the highlighted one, pins for probing, and a side-by-side compare.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from advisor.match.matching import Candidate, MatchResult
from advisor.present import catalog
from advisor.session import Session
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.screens.compare import MAX_COMPARED, MIN_COMPARED, CompareScreen
from advisor.tui.screens.session_screen import WorkloadScreen
from advisor.tui.widgets.candidate_detail import (
    CandidateDetail,
    candidate_detail,
    exclusion_detail,
)
from advisor.tui.widgets.candidate_table import CandidateTable, ExclusionTable
from advisor.tui.widgets.workload_bar import WorkloadBar

TABS = {"candidates": "tab-candidates", "excluded": "tab-excluded"}


class CandidatesScreen(WorkloadScreen):
    """What matching found for each workload, and why the rest was left out."""

    BINDINGS = [
        Binding(
            "right_square_bracket", "cycle(1)", "Next workload", show=False, id="candidates.next"
        ),
        Binding(
            "left_square_bracket",
            "cycle(-1)",
            "Previous workload",
            show=False,
            id="candidates.previous",
        ),
        # On the screen, not the table, so that keys typed right after `e` still count.
        Binding("space", "pin", "Pin", id="candidates.pin"),
        Binding("c", "compare_toggle", "Mark", id="candidates.mark"),
        Binding("e", "tab('excluded')", "Excluded", id="candidates.excluded"),
        Binding("e", "tab('candidates')", "Candidates", id="candidates.candidates"),
        Binding("v,C", "compare", "Compare", id="candidates.compare"),
        Binding("z", "maximize_pane", "Zoom", show=False, id="candidates.zoom"),
        Binding("escape", "to_table", "Table", show=False, id="candidates.table"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._compared: dict[str, list[str]] = {}
        """Offering keys chosen for the compare view, per workload."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield WorkloadBar(id="candidates-bar")
        yield Static(
            "No workloads yet. [b]F3[/] declares one from a template; [b]Ctrl+O[/] opens a file.",
            id="candidates-empty",
        )
        with Horizontal(id="candidates-body"):
            with TabbedContent(id="candidates-tabs"):
                with TabPane("Candidates", id=TABS["candidates"]):
                    yield CandidateTable(id="candidates")
                with TabPane("Excluded", id=TABS["excluded"]):
                    yield ExclusionTable(id="exclusions")
            yield CandidateDetail(id="candidate-detail")
        yield Footer(compact=True, show_command_palette=False)  # room for the keys at 80 columns

    @property
    def candidate_table(self) -> CandidateTable:
        return self.query_one(CandidateTable)

    @property
    def exclusion_table(self) -> ExclusionTable:
        return self.query_one(ExclusionTable)

    @property
    def active_tab(self) -> str:
        """'candidates' or 'excluded'."""
        active = self.query_one(TabbedContent).active
        return "excluded" if active == TABS["excluded"] else "candidates"

    @property
    def compared(self) -> list[str]:
        """Keys chosen for comparison in the current workload."""
        name = self.workload_name
        return self._compared.setdefault(name, []) if name else []

    def on_mount(self) -> None:
        self.sync()
        self.candidate_table.focus()

    def show_session(self) -> None:
        names = self.session.names()
        empty = not names
        self.query_one("#candidates-empty").display = empty
        self.query_one("#candidates-body").display = not empty
        self.query_one("#candidates-bar").display = not empty
        if empty:
            return
        self.query_one(WorkloadBar).show(names, self.workload_name or names[0])
        result = self._result()
        # Marks for comparison hold only while the offering is still a candidate.
        keys = {c.offering.key for c in result.candidates}
        self.compared[:] = [key for key in self.compared if key in keys]
        self.candidate_table.show(result, self._pinned(), self.compared)
        self.exclusion_table.show(result)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab(TABS["candidates"]).label = f"Candidates ({len(result.candidates)})"
        tabs.get_tab(TABS["excluded"]).label = f"Excluded ({len(result.exclusions)})"
        self._show_summary()

    def _result(self) -> MatchResult:
        name = self.workload_name
        assert name is not None
        return self.session.result(name)

    def _pinned(self) -> tuple[str, ...]:
        name = self.workload_name
        return self.session.pinned(name) if name else ()

    def _show_summary(self) -> None:
        self.query_one(WorkloadBar).count(len(self._pinned()), len(self.compared))

    def _show_detail(self) -> None:
        detail = self.query_one(CandidateDetail)
        if self.active_tab == "excluded":
            exclusion = self.exclusion_table.current
            detail.show(
                exclusion_detail(exclusion, self.session.today)
                if exclusion
                else Text("Nothing was excluded.")
            )
            return
        candidate, rank = self.candidate_table.current
        if candidate is None:
            detail.show(Text("No offering meets every hard constraint: see Excluded (e)."))
            return
        detail.show(self._candidate_body(candidate, rank))

    @on(CandidateTable.Highlighted)
    @on(ExclusionTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        # Also when a tab is clicked: the table, the detail and the keys follow the tab.
        table = self.exclusion_table if self.active_tab == "excluded" else self.candidate_table
        table.focus()
        self._show_detail()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cycle", "tab", "compare", "pin", "compare_toggle", "open_detail"):
            if not self.session.workloads:
                return False
        if action == "tab":
            return parameters[0] != self.active_tab  # one `e` binding shows, for the other tab
        if action in ("pin", "compare_toggle"):
            return self.active_tab == "candidates"
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = TABS[tab]
        # Focus now, not when the tab reports back, so keys typed right after land there.
        (self.exclusion_table if tab == "excluded" else self.candidate_table).focus()

    def action_to_table(self) -> None:
        if self.maximized is not None:
            self.minimize()
        table = self.exclusion_table if self.active_tab == "excluded" else self.candidate_table
        table.focus()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    def action_pin(self) -> None:
        candidate, _ = self.candidate_table.current
        name = self.workload_name
        if candidate is None or name is None:
            return
        self.session.toggle_pin(name, candidate.offering.key)
        self.candidate_table.set_marks(self._pinned(), self.compared)
        self._show_summary()
        self._show_detail()
        self.announce()

    def action_compare_toggle(self) -> None:
        candidate, _ = self.candidate_table.current
        if candidate is None:
            return
        key, compared = candidate.offering.key, self.compared
        if key in compared:
            compared.remove(key)
        elif len(compared) >= MAX_COMPARED:
            self.notify(
                f"Compare holds {MAX_COMPARED} offerings: press c on one to take it out.",
                severity="warning",
            )
            return
        else:
            compared.append(key)
        self.candidate_table.set_marks(self._pinned(), compared)
        self._show_summary()
        self._show_detail()

    def action_compare(self) -> None:
        result = self._result()
        ranked = [
            (rank, c)
            for rank, c in enumerate(result.candidates, start=1)
            if c.offering.key in self.compared
        ]
        if len(ranked) < MIN_COMPARED:
            self.notify(
                f"Mark {MIN_COMPARED} to {MAX_COMPARED} candidates with c, then press v.",
                severity="warning",
            )
            return
        self.app.push_screen(
            CompareScreen(
                result.workload.name, [c for _, c in ranked], [rank for rank, _ in ranked]
            )
        )

    def action_open_detail(self) -> None:
        """Every reason (or the whole score) and every trait of the highlighted offering."""
        if self.active_tab == "excluded":
            exclusion = self.exclusion_table.current
            if exclusion is None:
                return
            offering, body = exclusion.offering, exclusion_detail(exclusion, self.session.today)
            title = f"Why {offering.key} is excluded"
        else:
            candidate, rank = self.candidate_table.current
            if candidate is None:
                return
            offering, body = candidate.offering, self._candidate_body(candidate, rank)
            title = f"Candidate #{rank}: {offering.key}"
        traits = catalog.offering_detail(offering, self.session.today)
        self.app.push_screen(DetailDialog(title, Group(body, Text(), traits)))

    def _candidate_body(self, candidate: Candidate, rank: int) -> Group:
        key = candidate.offering.key
        return candidate_detail(
            candidate,
            rank,
            self._result().today,
            pinned=key in self._pinned(),
            compared=key in self.compared,
        )
