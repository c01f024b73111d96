"""The Plan screen: each workload's plan (primary, headroom, canary, fallbacks in order,
degraded, context fallback, verifier, timeouts, notes) with the reason and figures of every
part; edited by hand, previewed in each export format and written to a file; `l` replays a
request log through the plan as edited and shows the report under it.

Plans rest on the newest complete probe run of the workload file when there is one, else on
catalog figures; the bar says which, and simulated figures say so wherever they show. The
screen keeps the edits in a `PlanDraft` (advisor.plan.edit), which the preview and the export
read, so what is written is what was shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    RadioSet,
    Static,
    TabbedContent,
    TabPane,
)

from advisor.export import FORMATS
from advisor.match.matching import MatchResult
from advisor.plan import WorkloadPlan
from advisor.plan.edit import PlanDraft
from advisor.plan.inputs import endpoints, latest_runs, newest_measures
from advisor.probe.measured import RunMeasures
from advisor.session import Session
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.screens.session_screen import WorkloadScreen
from advisor.tui.widgets.export_preview import ExportPreview
from advisor.tui.widgets.plan_table import PlanRow, PlanTable, plan_rows
from advisor.tui.widgets.replay_pane import ReplayJob, ReplayPane, replay_label
from advisor.tui.widgets.toggles import StateCheckbox
from advisor.tui.widgets.workload_bar import WorkloadBar
from advisor.workload.model import Workload

TABS = {"plan": "tab-plan", "export": "tab-export"}

Inputs = tuple[list[Workload], Path | None, tuple[tuple[str, int], ...]]
"""What a plan rests on: the workloads, their file, and each workload's newest run."""


class PlanScreen(WorkloadScreen):
    """Plan, edit, preview and export; keys act on the workload picked in the bar."""

    BINDINGS = [
        Binding("shift+up,K", "move(-1)", "Move", key_display="⇧↑↓", id="plan.up"),
        Binding("shift+down,J", "move(1)", "Move down", show=False, id="plan.down"),
        Binding("x,delete", "drop", "Drop", id="plan.drop"),
        Binding("u", "undo", "Undo", id="plan.undo"),
        Binding("r", "replan", "Re-plan", id="plan.replan"),
        # c, v and d are named by the controls they act on, which leaves the footer room for
        # Quit, Help and Commands at 80 columns.
        Binding("c", "canary", "Canary", show=False, id="plan.canary"),
        Binding("v", "toggle_option('verifier')", "Verifier", show=False, id="plan.verifier"),
        Binding("d", "toggle_option('degraded')", "Degraded", show=False, id="plan.degraded"),
        Binding("e", "tab('export')", "Export", id="plan.export"),
        Binding("e", "tab('plan')", "Plan", id="plan.plan"),
        Binding("f", "next_format", "Format", id="plan.format"),
        Binding("w", "write", "Write", id="plan.write"),
        Binding("l", "replay", "Replay", id="plan.replay"),
        Binding("right_square_bracket", "cycle(1)", "Next workload", show=False),
        Binding("left_square_bracket", "cycle(-1)", "Previous workload", show=False),
        Binding("escape", "to_table", "Table", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.draft: PlanDraft | None = None
        """Every workload's plan with the user's edits; None until first planned."""
        self._inputs: Inputs | None = None
        self._measures: Mapping[str, RunMeasures] = {}
        """Each workload's figures the draft rests on, for a replay of the same plan."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield WorkloadBar(id="plan-bar")
        yield Static(
            "No workloads yet. [b]F3[/] declares one from a template; [b]Ctrl+O[/] opens a file.",
            id="plan-empty",
        )
        with TabbedContent(id="plan-tabs"):
            with TabPane("Plan", id=TABS["plan"]):
                with Horizontal(id="plan-controls"):
                    yield Label("Canary (c)")
                    yield Input(
                        "0",
                        type="number",
                        id="plan-canary",
                        compact=True,
                        tooltip="Share of traffic for a canary, 0 to below 1 (0: none); Enter",
                    )
                    yield StateCheckbox("Verifier (v)", id="plan-verifier", compact=True)
                    yield StateCheckbox("Degraded (d)", id="plan-degraded", compact=True)
                    yield Static(id="plan-state")
                with Horizontal(id="plan-body"):
                    yield PlanTable(id="plan-table")
                    with VerticalScroll(id="plan-detail"):
                        yield Static(id="plan-detail-text")
                yield ReplayPane(id="plan-replay")
            with TabPane("Export", id=TABS["export"]):
                yield ExportPreview(id="plan-export")
        yield Footer(compact=True, show_command_palette=False)

    # What is on show

    @property
    def table(self) -> PlanTable:
        return self.query_one(PlanTable)

    @property
    def preview(self) -> ExportPreview:
        return self.query_one(ExportPreview)

    @property
    def active_tab(self) -> str:
        """'plan' or 'export'."""
        return "export" if self.query_one(TabbedContent).active == TABS["export"] else "plan"

    def planned(self) -> WorkloadPlan | None:
        """The selected workload's plan as edited, if it has one."""
        name = self.workload_name
        if self.draft is None or name not in self.draft.names():
            return None
        outcome = self.draft.outcome(name)
        return outcome if isinstance(outcome, WorkloadPlan) else None

    # Planning: off the UI thread, since reading a run and planning every workload takes a
    # moment on a large catalog.

    def on_mount(self) -> None:
        self.sync()
        self.table.focus()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.session.workloads:
            self.refresh_plan()  # a probe run may have finished since the screen last showed

    def show_session(self) -> None:
        names = self.session.names()
        empty = not names
        for selector in ("#plan-tabs", "#plan-bar"):
            self.query_one(selector).display = not empty
        self.query_one("#plan-empty").display = empty
        if empty:
            self.draft, self._inputs = None, None
            return
        self.query_one(WorkloadBar).show(names, self.workload_name or names[0])
        if self._inputs is None or self._inputs[:2] != (self.session.workloads, self.session.path):
            self.refresh_plan()
        self.draw()

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def refresh_plan(self) -> None:
        """Plan every workload again if the workloads, their file or the newest probe run
        changed; edits of unchanged workloads are kept."""
        session = self.session
        workloads, path = list(session.workloads), session.path
        # Matching is cached in the session, which only the UI thread touches.
        results = [session.result(w.name) for w in workloads]
        newest = await asyncio.to_thread(latest_runs, path) if path else {}
        inputs: Inputs = (workloads, path, tuple(sorted(newest.items())))
        if self.draft is not None and inputs == self._inputs:
            return
        draft = await asyncio.to_thread(self._make_draft, results, path)
        if self.draft is not None:
            draft.adopt(self.draft)
        self.draft, self._inputs = draft, inputs
        if self.is_mounted:
            self.draw()

    def _make_draft(self, results: list[MatchResult], path: Path | None) -> PlanDraft:
        """A draft on each workload's newest run of the file that measured it."""
        catalog = self.session.catalog
        try:
            by_workload = newest_measures(path) if path else {}
        except KeyError:  # a run went away meanwhile: plan on catalog figures
            by_workload = {}
        self._measures = by_workload
        return PlanDraft(
            results,
            catalog,
            endpoints(catalog),
            today=self.session.today,
            by_workload=by_workload,
        )

    # Drawing

    def draw(self, cursor: str | None = None) -> None:
        """Show the selected workload's plan, its controls, and the preview when on view."""
        name = self.workload_name
        draft = self.draft
        summary = self.query_one("#candidates-summary", Static)
        if draft is None or name is None or name not in draft.names():
            summary.update(Text("planning…", style="dim"))
            self.table.show([])
            self.query_one("#plan-detail-text", Static).update("")
            return
        plan = draft.plan
        outcome = draft.outcome(name)
        # Each workload's figures come from its own newest run: say which, for this one.
        label, simulated = plan.figures_label, plan.simulated
        if isinstance(outcome, WorkloadPlan) and plan.sources:
            label = f"{name}: {outcome.figures_label}"
            simulated = outcome.source is not None and outcome.source.simulated
        summary.update(
            Text.assemble(
                (label, "yellow bold" if simulated else ""),
                (" · [ ] other workload", "dim"),
            )
        )
        if isinstance(outcome, WorkloadPlan):
            rows = plan_rows(outcome)
        else:
            reason = f"not planned: {outcome.reason}"
            rows = [PlanRow("unplanned", "—", reason, "", Text(reason, "red"), "red", prose=True)]
        self.table.show(rows, cursor)
        self._draw_controls()
        self._draw_detail()
        if self.active_tab == "export":
            self.draw_preview()
        self.refresh_bindings()

    def _draw_controls(self, typing: bool = True) -> None:
        """Show the workload's options; a canary weight being typed is left alone unless
        `typing` is False."""
        name, draft = self.workload_name, self.draft
        if name is None or draft is None or name not in draft.names():
            return
        options = draft.edits(name).options
        planned = self.planned() is not None
        canary = self.query_one("#plan-canary", Input)
        if not (typing and canary.has_focus):
            canary.value = f"{options.canary_weight:g}" if options.canary_weight else "0"
        for box, on_ in (
            ("#plan-verifier", options.verifier),
            ("#plan-degraded", options.degraded),
        ):
            checkbox = self.query_one(box, Checkbox)
            with self.prevent(Checkbox.Changed):
                checkbox.value = on_
            checkbox.disabled = not planned
        canary.disabled = not planned
        edited = draft.edited(name)
        state = Text("fallbacks edited" if edited else "fallbacks as planned")
        self.query_one("#plan-state", Static).update(state)
        self.query_one("#plan-state").set_class(edited, "-edited")

    def _draw_detail(self) -> None:
        row = self.table.current
        self.query_one("#plan-detail-text", Static).update(row.detail if row else "")

    def draw_preview(self) -> None:
        """Render the whole plan, as edited, in the picked format."""
        if self.draft is None:
            self.preview.show_error("planning…")
        else:
            self.preview.show(self.draft.plan, self.session.catalog, self.export_folder())

    def export_folder(self) -> Path:
        """Where exports go unless the user says otherwise: beside the workload file."""
        return self.session.path.parent if self.session.path else Path.cwd()

    @on(DataTable.RowHighlighted, "#plan-table")
    def _row_highlighted(self) -> None:
        self._draw_detail()
        self.refresh_bindings()  # move and drop apply to fallbacks only

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.active_tab == "export":
            self.draw_preview()
            # The preview takes the arrow keys, to scroll; `f` or a click picks the format.
            self.query_one("#export-scroll").focus()
        else:
            self.table.focus()
        self.refresh_bindings()

    @on(RadioSet.Changed, "#export-formats")
    def _format_picked(self) -> None:
        self.draw_preview()

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_plan = bool(self.session.workloads) and self.active_tab == "plan"
        if action in ("move", "drop"):
            row = self.table.current
            return on_plan and row is not None and row.fallback is not None
        if action == "undo":
            name = self.workload_name
            return (
                on_plan
                and self.draft is not None
                and name is not None
                and self.draft.can_undo(name)
            )
        if action in ("replan", "canary", "toggle_option"):
            return on_plan and self.planned() is not None
        if action == "replay":
            return on_plan and self.draft is not None
        if action in ("next_format", "write"):
            return self.active_tab == "export" and self.draft is not None
        if action == "tab":
            return bool(self.session.workloads) and parameters[0] != self.active_tab
        if action == "cycle":
            return bool(self.session.workloads)
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = TABS[tab]

    def action_to_table(self) -> None:
        if self.active_tab == "plan":
            self.table.focus()

    def _editing(self) -> tuple[PlanDraft, str] | None:
        """The draft and the workload to edit, when the selected workload has a plan (a
        click can come before the first plan is made)."""
        draft, name = self.draft, self.workload_name
        if draft is None or name is None or self.planned() is None:
            return None
        return draft, name

    def _fallback_row(self) -> PlanRow | None:
        row = self.table.current
        return row if row is not None and row.fallback is not None else None

    def action_move(self, step: int) -> None:
        editing, row = self._editing(), self._fallback_row()
        if editing is None or row is None or row.fallback is None:
            return
        draft, name = editing
        draft.move(name, row.fallback, step)
        wp = self.planned()
        last = len(wp.fallbacks) - 1 if wp else 0
        self.draw(cursor=f"fallback-{max(0, min(last, row.fallback + step))}")

    def action_drop(self) -> None:
        editing, row = self._editing(), self._fallback_row()
        if editing is None or row is None or row.fallback is None:
            return
        draft, name = editing
        draft.drop(name, row.fallback)
        self.draw()  # the cursor stays on the row below, now in the dropped one's place
        self.notify(f"Dropped {row.what} from {name}'s fallbacks (u undoes)", timeout=3)

    def action_undo(self) -> None:
        editing = self._editing()
        if editing is not None and editing[0].undo(editing[1]):
            self.draw()

    def action_replan(self) -> None:
        if (editing := self._editing()) is None:
            return
        draft, name = editing
        draft.replan(name)
        self.draw()
        self.notify(f"Re-planned {name}: fallbacks as the planner orders them", timeout=3)

    def action_canary(self) -> None:
        self.query_one("#plan-canary", Input).focus()

    def action_toggle_option(self, which: str) -> None:
        self.query_one(f"#plan-{which}", Checkbox).toggle()  # its Changed applies it

    @on(Input.Submitted, "#plan-canary")
    def _canary_submitted(self, event: Input.Submitted) -> None:
        if (editing := self._editing()) is None:
            return
        draft, name = editing
        try:
            weight = float(event.value or 0)
            draft.set_canary(name, weight)
        except ValueError:
            self.notify(
                "The canary weight is a share of traffic: at least 0 and below 1 (0: none).",
                severity="error",
            )
            return
        self.table.focus()
        self.draw(cursor="canary" if weight else None)

    @on(Input.Blurred, "#plan-canary")
    def _canary_left(self) -> None:
        # A weight typed but not applied with Enter is dropped, so the field never shows a
        # canary the plan does not have.
        self._draw_controls(typing=False)

    @on(Checkbox.Changed, "#plan-verifier, #plan-degraded")
    def _option_toggled(self, event: Checkbox.Changed) -> None:
        if (editing := self._editing()) is None:
            return
        draft, name = editing
        if event.checkbox.id == "plan-verifier":
            draft.set_verifier(name, event.value)
        else:
            draft.set_degraded(name, event.value)
        self.draw()

    def action_next_format(self) -> None:
        fmt = self.preview.format
        self.preview.pick(FORMATS[(FORMATS.index(fmt) + 1) % len(FORMATS)])

    def action_write(self) -> None:
        if self.draft is not None:
            self.preview.write_file(self.draft.plan, self.session.catalog, self.export_folder())

    # Replay: a request log through the plan as edited, under it

    def action_replay(self) -> None:
        self._ask_and_replay()

    @work(group="dialogs", exit_on_error=False)
    async def _ask_and_replay(self) -> None:
        logs = self.session.logs
        path = await self.app.push_screen_wait(
            PathDialog(
                "Replay a request log through this plan",
                str(logs[0]) if logs else "",
                hint="OpenAI JSONL, LiteLLM spend logs or OTLP JSON",
            )
        )
        draft = self.draft
        if path is None or draft is None:
            return
        self.session.logs = [path]
        plan = draft.plan
        self.query_one(ReplayPane).start(
            ReplayJob(
                logs=(path,),
                workloads=tuple(self.session.workloads),
                plan=plan,
                label=replay_label(self.session.path, plan),
                measures=self._measures,
            )
        )
        self.add_class("-replayed")
