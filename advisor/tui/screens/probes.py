"""The Probes screen: measure the selected workload's chosen offerings, on the simulator or
live, within a spending cap.

It probes the workload picked in the bar (the same selection as Candidates): its pinned
candidates if any, else the top three. The estimate follows every change of the controls;
`r` runs (refused when the worst case exceeds the cap), `c` or `Esc` cancels and keeps what
finished. A History tab lists the run store's runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import (
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
)

from advisor import paths
from advisor.catalogs import catalog_layers
from advisor.matching import MatchResult
from advisor.probing import (
    DEFAULT_BUDGET_USD,
    Prepared,
    chosen_offerings,
    open_store,
    prepare,
    start,
)
from advisor.session import Session
from advisor.tui.screens.session_screen import WorkloadScreen
from advisor.tui.widgets.probe_progress import LatencyHistogram, TargetProgress
from advisor.tui.widgets.probe_tables import ProbeResultsTable, RunHistoryTable
from advisor.tui.widgets.workload_bar import WorkloadBar
from probes.harness import Sent
from probes.kinds.base import Settings
from probes.run import KINDS, Outcome, execute
from probes.simulator import start_simulator
from probes.store import RunStatus, RunStore
from probes.targets import Target, key_variables, load_overrides

TOP = 3
"""Offerings probed when none is pinned."""

DEFAULT_REQUESTS = 10
DEFAULT_KINDS = ("latency", "samples")
"""Checked at first: quick, and they say the most about a workload."""

ESTIMATE_URL = "http://127.0.0.1:0"
"""A stand-in simulator address: the estimate needs targets, not a running simulator."""

TABS = {"run": "tab-probes-run", "history": "tab-probes-history"}


@dataclass(frozen=True)
class Choice:
    """What the controls ask for."""

    kinds: tuple[str, ...]
    target: str
    budget_usd: float
    requests: int


class ProbesScreen(WorkloadScreen):
    """Choose probes and a target, see the estimate, run, watch, cancel, read the results."""

    BINDINGS = [
        Binding("r", "run", "Run", id="probes.run"),
        Binding("c,escape", "cancel", "Cancel", id="probes.cancel"),
        Binding("h", "tab('history')", "History", id="probes.history"),
        Binding("h", "tab('run')", "Run tab", id="probes.run_tab"),
        Binding("right_square_bracket", "cycle(1)", "Next workload", show=False),
        Binding("left_square_bracket", "cycle(-1)", "Previous workload", show=False),
    ]

    class Progress(Message):
        """Requests were sent; many of these waiting in the queue count as one."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ProbesScreen.Progress)

    def __init__(
        self, session: Session, *, time_scale: float = 1.0, layers: Sequence[Path] | None = None
    ) -> None:
        super().__init__(session)
        self.catalog_paths = list(layers) if layers is not None else catalog_layers(())
        """The catalog layers the simulator serves: the app's own, overlays included."""
        self.time_scale = time_scale
        """The simulator's time scale: tests make it small so a run takes a moment."""
        self.cancel_event: asyncio.Event | None = None
        self.running = False
        self.last_run: int | None = None
        """The id of the latest run this screen started."""
        self._done: dict[str, int] = {}
        self._totals: dict[str, int] = {}
        self._ttfts: list[float] = []
        self._drawn_ttfts = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield WorkloadBar(id="probes-bar")
        yield Static(
            "No workloads yet. [b]F3[/] declares one from a template; [b]Ctrl+O[/] opens a file.",
            id="probes-empty",
        )
        with TabbedContent(id="probes-tabs"):
            with TabPane("Run", id=TABS["run"]), Horizontal(id="probes-body"):
                with Vertical(id="probes-controls"):
                    yield Label("Probes", classes="probes-heading -first")
                    yield SelectionList[str](
                        *((name, name, name in DEFAULT_KINDS) for name in KINDS),
                        id="probes-kinds",
                        compact=True,
                    )
                    yield Label("Target", classes="probes-heading")
                    with RadioSet(id="probes-target", compact=True):
                        yield RadioButton("simulator", value=True, id="target-sim", compact=True)
                        yield RadioButton(
                            "live", id="target-live", disabled=not self._live_ok(), compact=True
                        )
                    with Horizontal(classes="probes-field -gap"):
                        yield Label("Cap USD")
                        yield Input(
                            f"{DEFAULT_BUDGET_USD:.2f}",
                            type="number",
                            id="probes-budget",
                            compact=True,
                        )
                    with Horizontal(classes="probes-field"):
                        yield Label("Requests")
                        yield Input(
                            str(DEFAULT_REQUESTS),
                            type="integer",
                            id="probes-requests",
                            compact=True,
                        )
                with VerticalScroll(id="probes-main"):
                    yield Static(id="probes-estimate")
                    with Vertical(id="probes-live"):
                        yield ProgressBar(id="probes-overall", show_eta=False)
                        yield TargetProgress(id="probes-targets")
                        yield LatencyHistogram(id="probes-histogram")
                    yield Static(id="probes-results-title")
                    yield ProbeResultsTable(id="probes-results")
            with TabPane("History", id=TABS["history"]):
                yield RunHistoryTable(id="probes-history")
        yield Footer(compact=True, show_command_palette=False)

    # What the session and the controls say

    def _live_ok(self) -> bool:
        """Whether some provider key is set, so that live probing can reach anything."""
        catalog = self.session.catalog
        overrides = load_overrides(paths.providers_file(), catalog.providers)
        return any(os.environ.get(name) for name in key_variables(catalog, overrides))

    @property
    def active_tab(self) -> str:
        return "history" if self.query_one(TabbedContent).active == TABS["history"] else "run"

    def choice(self) -> Choice | str:
        """The controls' values, or what is wrong with them."""
        kinds = tuple(self.query_one("#probes-kinds", SelectionList).selected)
        if not kinds:
            return "Check at least one probe."
        try:
            budget = float(self.query_one("#probes-budget", Input).value)
        except ValueError:
            return "The cap must be a number of US dollars."
        if budget < 0:
            return "The cap cannot be negative."
        try:
            requests = int(self.query_one("#probes-requests", Input).value)
        except ValueError:
            return "Requests must be a whole number."
        if not 1 <= requests <= 1000:
            return "Requests must be between 1 and 1000."
        live = self.query_one("#target-live", RadioButton).value
        ordered = tuple(name for name in KINDS if name in kinds)
        return Choice(ordered, "live" if live else "sim", budget, requests)

    def _result(self) -> MatchResult | None:
        """The selected workload's match, narrowed to its pins when it has any."""
        name = self.workload_name
        if name is None:
            return None
        result = self.session.result(name)
        pinned = self.session.pinned(name)
        if pinned:
            # `prepare` takes the top N; hand it the pinned candidates as the whole ranking.
            kept = tuple(c for c in result.candidates if c.offering.key in pinned)
            result = dataclasses.replace(result, candidates=kept)
        return result

    def _prepare(self, result: MatchResult, choice: Choice, sim_url: str | None) -> Prepared:
        return prepare(
            self.session.catalog,
            [result],
            target=choice.target,
            kinds=choice.kinds,
            settings=Settings(requests=choice.requests),
            top=len(result.candidates) if self.session.pinned(result.workload.name) else TOP,
            budget_usd=choice.budget_usd,
            sim_url=sim_url,
        )

    def _pinned(self) -> tuple[str, ...]:
        name = self.workload_name
        return self.session.pinned(name) if name else ()

    # Drawing

    def on_mount(self) -> None:
        self.query_one("#probes-live").display = False
        self.query_one("#probes-results-title").display = False
        self.query_one(ProbeResultsTable).display = False
        self.sync()
        self.show_history()
        self.query_one("#probes-kinds").focus()

    def show_session(self) -> None:
        names = self.session.names()
        empty = not names
        self.query_one("#probes-empty").display = empty
        self.query_one("#probes-tabs").display = not empty
        self.query_one("#probes-bar").display = not empty
        if empty:
            return
        self.query_one(WorkloadBar).show(names, self.workload_name or names[0])
        pinned = len(self._pinned())
        summary = (
            f"probing the {pinned} pinned" if pinned else f"probing the top {TOP} (none pinned)"
        )
        self.query_one("#candidates-summary", Static).update(
            Text.assemble((summary, "green" if pinned else ""), (" · [ ] other workload", "dim"))
        )
        self.show_estimate()

    def show_estimate(self) -> None:
        """What a run with the current controls would send and could cost."""
        self.query_one("#probes-estimate", Static).update(self._estimate())
        self.refresh_bindings()

    def _estimate(self) -> RenderableType:
        result = self._result()
        if result is None:
            return Text("")
        choice = self.choice()
        if isinstance(choice, str):
            return Text(choice, style="red")
        pinned = self._pinned()
        offerings = chosen_offerings(result, len(result.candidates) if pinned else TOP)
        if not offerings:
            return Text(
                f"{result.workload.name}: no candidate to probe (see Candidates, F4).",
                style="yellow",
            )
        prepared = self._prepare(result, choice, ESTIMATE_URL if choice.target == "sim" else None)
        plan = prepared.plan
        targets = len({t.target.key for t in plan.tasks})
        label = "simulated" if prepared.simulated else "live"
        over = plan.worst_case_usd > choice.budget_usd
        lines: list[RenderableType] = [
            Text.assemble(
                ("Estimate ", "bold"),
                f"({label}): {plan.requests} requests, ",
                f"{targets} offering{'' if targets == 1 else 's'}",
            ),
            Text.assemble(
                "worst case ",
                (f"${plan.worst_case_usd:.4f}", "red bold" if over else "bold"),
                f" · cap ${choice.budget_usd:g}",
                (" · over the cap: r refuses" if over else " · r runs", "red" if over else "dim"),
            ),
        ]
        if prepared.simulated:
            lines.append(Text("simulated: nothing is spent", style="dim"))
        if plan.unpriced:
            lines.append(Text(f"no price, not counted: {', '.join(plan.unpriced)}", "yellow"))
        for skip in prepared.skipped:
            lines.append(Text(f"skipped {skip.offering.key}: {skip.reason}", "yellow"))
        if not self._live_ok():
            lines.append(Text("live is off: no provider key is set", style="dim"))
        return Group(*lines)

    def show_history(self) -> None:
        path = paths.runs_db()
        runs = RunStore(path).runs() if path.exists() else []
        self.query_one(RunHistoryTable).show(runs)

    @on(SelectionList.SelectedChanged)
    @on(Input.Changed)
    @on(RadioSet.Changed)
    def _controls_changed(self) -> None:
        if self.is_mounted:
            self.show_estimate()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.active_tab == "history":
            self.show_history()
            self.query_one(RunHistoryTable).focus()
        self.refresh_bindings()

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tab":
            return bool(self.session.workloads) and parameters[0] != self.active_tab
        if action == "run":
            return bool(self.session.workloads) and not self.running
        if action == "cancel":
            return self.running
        if action == "cycle":
            return bool(self.session.workloads) and not self.running
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = TABS[tab]

    def action_run(self) -> None:
        choice = self.choice()
        if isinstance(choice, str):
            self.notify(choice, severity="error")
            return
        result = self._result()
        if result is None:
            return
        prepared = self._prepare(result, choice, ESTIMATE_URL if choice.target == "sim" else None)
        plan = prepared.plan
        if plan.worst_case_usd > choice.budget_usd:
            self.notify(
                f"Refused: the worst case ${plan.worst_case_usd:.4f} exceeds the cap "
                f"${choice.budget_usd:g}. Raise the cap or send fewer requests.",
                severity="error",
            )
            return
        if not plan.tasks:
            self.notify("Nothing to probe with these choices.", severity="warning")
            return
        self.action_tab("run")
        self.running = True
        self.cancel_event = asyncio.Event()
        self.refresh_bindings()
        self.run_probes(result, choice, self.cancel_event)

    def action_cancel(self) -> None:
        if self.cancel_event is not None and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.notify("Cancelling: requests in flight finish, the rest are not sent.")

    # The run

    def _begin(self, prepared: Prepared) -> None:
        totals: dict[str, int] = {}
        for task in prepared.plan.tasks:
            totals[task.target.key] = totals.get(task.target.key, 0) + task.requests
        self._totals, self._done, self._ttfts, self._drawn_ttfts = totals, {}, [], 0
        self.query_one("#probes-live").display = True
        self.query_one(ProgressBar).update(total=prepared.plan.requests, progress=0)
        self.query_one(LatencyHistogram).clear()
        self.query_one(ProbeResultsTable).display = False
        title = self.query_one("#probes-results-title", Static)
        title.display = True
        label = "simulator" if prepared.simulated else "live"
        title.update(Text(f"Probing on the {label}… c or Esc cancels", style="bold"))
        self._draw_progress()

    def _on_sent(self, target: Target, kind: str, sent: Sent) -> None:
        self._done[target.key] = self._done.get(target.key, 0) + 1
        if sent.ok and sent.ttft_ms is not None:
            self._ttfts.append(sent.ttft_ms)
        self.post_message(self.Progress())

    def on_probes_screen_progress(self, event: ProbesScreen.Progress) -> None:
        self._draw_progress()

    def _draw_progress(self) -> None:
        self.query_one(ProgressBar).update(progress=sum(self._done.values()))
        self.query_one(TargetProgress).show(self._done, self._totals)
        new = self._ttfts[self._drawn_ttfts :]
        self._drawn_ttfts = len(self._ttfts)
        if new:
            self.query_one(LatencyHistogram).add(new)

    @property
    def progress(self) -> tuple[int, int]:
        """Requests sent so far, and planned, in the latest run."""
        return sum(self._done.values()), sum(self._totals.values())

    @work(exclusive=True, group="probes", exit_on_error=False)
    async def run_probes(self, result: MatchResult, choice: Choice, cancel: asyncio.Event) -> None:
        """Start the simulator if needed, record a run, send it, show what came back."""
        sim = None
        title = self.query_one("#probes-results-title", Static)
        try:
            if choice.target == "sim":
                title.display = True
                title.update(Text("Starting the simulator…", style="dim"))
                sim = await asyncio.to_thread(
                    start_simulator, self.catalog_paths, time_scale=self.time_scale
                )
            prepared = self._prepare(result, choice, sim.url if sim else None)
            store = open_store(self.session.catalog)
            path = self.session.path
            settings = Settings(requests=choice.requests)
            run_id = start(store, prepared, str(path) if path else None, settings, choice.kinds)
            self.last_run = run_id
            self._begin(prepared)
            try:
                outcome = await execute(
                    prepared.plan,
                    store,
                    run_id,
                    prepared.budget,
                    cancel=cancel,
                    on_sent=self._on_sent,
                )
            except asyncio.CancelledError:
                store.finish_run(run_id, "cancelled")
                raise
            except Exception:
                store.finish_run(run_id, "failed")
                raise
            status: RunStatus = "cancelled" if outcome.cancelled else "complete"
            store.finish_run(run_id, status)
            self._draw_progress()
            self._show_results(run_id, status, result.workload.name, prepared, outcome)
        except Exception as error:  # shown, never fatal: the app stays up
            title.display = True
            title.update(Text(f"The run failed: {error}", style="red"))
            self.notify(str(error), title="Probing failed", severity="error", markup=False)
        finally:
            if sim is not None:
                await asyncio.to_thread(sim.stop)
            self.running = False
            self.cancel_event = None
            if self.is_mounted:
                self.show_history()
                self.refresh_bindings()

    def _show_results(
        self, run_id: int, status: str, name: str, prepared: Prepared, outcome: Outcome
    ) -> None:
        label = "simulated" if prepared.simulated else "live"
        done, total = self.progress
        spent = "" if prepared.simulated else f" · spent ${prepared.budget.spent_usd:.4f}"
        style = "green" if status == "complete" else "yellow"
        self.query_one("#probes-results-title", Static).update(
            Text.assemble(
                (f"Run {run_id} {status}", f"bold {style}"),
                f" ({label}): {done} of {total} requests{spent}",
            )
        )
        table = self.query_one(ProbeResultsTable)
        table.show(outcome, name, prepared.simulated)
        table.display = True
        self.query_one("#probes-main", VerticalScroll).scroll_end(animate=False)
        self.notify(f"Run {run_id} {status}: {done} of {total} requests ({label})", timeout=3)
