"""The Probes screen: measure the selected workload's chosen offerings, on the simulator or
live, within a spending cap.

It probes the workload picked in the bar (the same selection as Candidates): its pinned
candidates if any, else the top three. The controls set the probe kinds, the target, the cap
and the latency probe's load, as `advisor probe` does: requests, and either a number in
flight at once or an open-loop rate (constant or Poisson arrivals). The estimate follows
every change of the controls; `r` runs (refused when the worst case exceeds the cap), `c` or
`Esc` cancels and keeps what finished. A Samples tab (`s`) puts the workload's samples side
by side across the offerings of its latest run; a History tab (`h`) lists the run store's runs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
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
    Checkbox,
    DataTable,
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

from advisor import home
from advisor.home import catalog_layers
from advisor.match.matching import MatchResult
from advisor.present.probe import SampleComparison, compare_samples, offering_summary
from advisor.probe.lifecycle import (
    DEFAULT_BUDGET_USD,
    Prepared,
    ProbeRequest,
    chosen_offerings,
    prepare_request,
    refusal,
    run_probes,
    stored_outcome,
)
from advisor.session import Session
from advisor.tui.screens.session_screen import WorkloadScreen
from advisor.tui.widgets.probe_progress import LatencyHistogram, TargetProgress
from advisor.tui.widgets.probe_tables import (
    ProbeResultsTable,
    RunHistoryTable,
    SamplesCompareTable,
    one_line,
)
from advisor.tui.widgets.toggles import StateCheckbox, StateRadioButton, StateSelectionList
from advisor.tui.widgets.workload_bar import WorkloadBar
from catalog.errors import AdvisorError
from probes.harness import Sent
from probes.kinds.base import Settings
from probes.load import Load
from probes.run import KINDS, RunOutcome
from probes.store import RunStore, RunSummary
from probes.targets import ProviderOverride, Target, key_variables, load_overrides

TOP = 3
"""Offerings probed when none is pinned."""

DEFAULT_REQUESTS = 10
DEFAULT_KINDS = ("latency", "samples")
"""Checked at first: quick, and they say the most about a workload."""

ESTIMATE_URL = "http://127.0.0.1:0"
"""A stand-in simulator address: the estimate needs targets, not a running simulator."""

TABS = {"run": "tab-probes-run", "samples": "tab-probes-samples", "history": "tab-probes-history"}

MAX_REQUESTS = 1000
MAX_CONCURRENCY = 256
"""The probe client's connection pool size."""
MAX_RATE = 500.0
"""Bounds against a slipped digit, like the others; one event loop sending open loop is
measured at 200 requests/s (docs/benchmarks.md), not far beyond."""


@dataclass(frozen=True)
class ProbeControls:
    """What the controls ask for."""

    kinds: tuple[str, ...]
    target: str
    budget_usd: float
    requests: int
    load: Load = Load()
    """How the latency probe releases its requests."""

    @property
    def settings(self) -> Settings:
        return Settings(requests=self.requests, load=self.load)


class NumberInput(Input):
    """A field for a number: the letters it would refuse anyway stay the screen's keys, so `r`
    runs and `c` cancels with the cursor in it."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and (character.isdigit() or character in ".-+eE")


class ProbesScreen(WorkloadScreen):
    """Choose probes and a target, see the estimate, run, watch, cancel, read the results."""

    BINDINGS = [
        # Every field of this screen takes numbers only (`NumberInput`), so `r` runs from one.
        Binding("r", "run", "Run", id="probes.run", priority=True),
        Binding("escape", "leave_field", "Leave field", show=False, id="probes.leave"),
        Binding("c,escape", "cancel", "Cancel", id="probes.cancel"),
        Binding("s", "tab('samples')", "Samples", id="probes.samples"),
        Binding("h", "tab('history')", "History", id="probes.history"),
        Binding("h,s", "tab('run')", "Run tab", id="probes.run_tab"),
        Binding("z", "maximize_pane", "Zoom", show=False, id="probes.zoom"),
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
        self.last_outcome: tuple[str, RunOutcome] | None = None
        """The latest run's workload and figures, for the results and their details."""
        self._done: dict[str, int] = {}
        self._totals: dict[str, int] = {}
        self._ttfts: list[float] = []
        self._drawn_ttfts = 0
        self._overrides: Mapping[str, ProviderOverride] = {}
        """The user's providers file, read once off the UI thread when the screen mounts."""
        self._providers_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield WorkloadBar(id="probes-bar")
        yield Static(
            "No workloads yet. [b]F3[/] declares one from a template; [b]Ctrl+O[/] opens a file.",
            id="probes-empty",
        )
        with TabbedContent(id="probes-tabs"):
            with TabPane("Run", id=TABS["run"]), Horizontal(id="probes-body"):
                with VerticalScroll(id="probes-controls"):
                    yield Label("Probes", classes="probes-heading -first")
                    yield StateSelectionList(
                        *((name, name, name in DEFAULT_KINDS) for name in KINDS),
                        id="probes-kinds",
                        compact=True,
                    )
                    yield Label("Target", classes="probes-heading")
                    with RadioSet(id="probes-target", compact=True):
                        yield StateRadioButton(
                            "simulator", value=True, id="target-sim", compact=True
                        )
                        yield StateRadioButton(
                            "live", id="target-live", disabled=True, compact=True
                        )
                    with Horizontal(classes="probes-field -gap"):
                        yield Label("Cap USD")
                        yield NumberInput(
                            f"{DEFAULT_BUDGET_USD:.2f}",
                            type="number",
                            id="probes-budget",
                            compact=True,
                        )
                    yield Label("Latency load", classes="probes-heading")
                    with Horizontal(classes="probes-field"):
                        yield Label("Requests")
                        yield NumberInput(
                            str(DEFAULT_REQUESTS),
                            type="integer",
                            id="probes-requests",
                            compact=True,
                        )
                    with Horizontal(classes="probes-field"):
                        yield Label("In flight")
                        yield NumberInput(
                            "1", type="integer", id="probes-concurrency", compact=True
                        )
                    with Horizontal(classes="probes-field"):
                        yield Label("Rate /s")
                        yield NumberInput(
                            placeholder="closed loop",
                            type="number",
                            id="probes-rate",
                            compact=True,
                        )
                    yield StateCheckbox("Poisson", id="probes-poisson", disabled=True, compact=True)
                with VerticalScroll(id="probes-main"):
                    yield Static(id="probes-estimate")
                    with Vertical(id="probes-live"):
                        yield ProgressBar(id="probes-overall", show_eta=False)
                        yield TargetProgress(id="probes-targets")
                        yield LatencyHistogram(id="probes-histogram")
                    yield Static(id="probes-results-title")
                    yield Static(id="probes-results-other")
                    yield ProbeResultsTable(id="probes-results")
                    yield Static(id="probes-offering")
            with TabPane("Samples", id=TABS["samples"]), Vertical(id="probes-samples-pane"):
                yield Static(id="samples-title")
                yield SamplesCompareTable(id="probes-samples")
                with VerticalScroll(id="samples-detail-scroll"):
                    yield Static(id="samples-detail")
            with TabPane("History", id=TABS["history"]):
                yield RunHistoryTable(id="probes-history")
        yield Footer(compact=True, show_command_palette=False)

    # What the session and the controls say

    def _live_ok(self) -> bool:
        """Whether some provider key is set, so that live probing can reach anything."""
        if self._providers_problem is not None:
            return False
        catalog = self.session.catalog
        return any(os.environ.get(name) for name in key_variables(catalog, self._overrides))

    @work(exclusive=True, group="probes-providers", exit_on_error=False)
    async def load_providers(self) -> None:
        """Read the providers file once; a malformed one is shown, and live stays off."""
        catalog = self.session.catalog
        try:
            self._overrides = await asyncio.to_thread(
                load_overrides, home.providers_file(), catalog.providers
            )
            self._providers_problem = None
        except AdvisorError as error:
            self._overrides = {}
            self._providers_problem = "\n".join(error.lines())
        self.query_one("#target-live", RadioButton).disabled = not self._live_ok()
        self.show_estimate()

    @property
    def active_tab(self) -> str:
        active = self.query_one(TabbedContent).active
        return next((name for name, pane in TABS.items() if pane == active), "run")

    def choice(self) -> ProbeControls | str:
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
        if not 1 <= requests <= MAX_REQUESTS:
            return f"Requests must be between 1 and {MAX_REQUESTS}."
        load = self.load()
        if isinstance(load, str):
            return load
        live = self.query_one("#target-live", RadioButton).value
        ordered = tuple(name for name in KINDS if name in kinds)
        return ProbeControls(ordered, "live" if live else "sim", budget, requests, load)

    def load(self) -> Load | str:
        """The latency probe's load: an open loop when a rate is set, else a closed loop of
        so many requests in flight; or what is wrong with the fields."""
        rate_text = self.query_one("#probes-rate", Input).value.strip()
        poisson = self.query_one("#probes-poisson", Checkbox).value
        if rate_text:
            try:
                rate = float(rate_text)
            except ValueError:
                return "The rate must be a number of requests per second."
            if not 0 < rate <= MAX_RATE:
                return f"The rate must be above 0 and at most {MAX_RATE:g} requests/s."
            return Load(mode="open", rate=rate, poisson=poisson)
        if poisson:
            return "Poisson arrivals need a rate."
        try:
            concurrency = int(self.query_one("#probes-concurrency", Input).value)
        except ValueError:
            return "In flight must be a whole number."
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            return f"In flight must be between 1 and {MAX_CONCURRENCY}."
        return Load(concurrency=concurrency)

    def _result(self) -> MatchResult | None:
        """The selected workload's match."""
        name = self.workload_name
        return None if name is None else self.session.result(name)

    def _request(self, result: MatchResult, choice: ProbeControls) -> ProbeRequest:
        """What the controls ask a run to do for `result`'s workload."""
        return ProbeRequest(
            self.session.catalog,
            [result],
            target=choice.target,
            kinds=choice.kinds,
            settings=choice.settings,
            top=TOP,
            budget_usd=choice.budget_usd,
            workloads_file=self.session.path,
            layers=self.catalog_paths,
            time_scale=self.time_scale,
            overrides=self._overrides,
            pinned=self.session.pinned(result.workload.name),
        )

    def _prepare(self, result: MatchResult, choice: ProbeControls, sim_url: str | None) -> Prepared:
        return prepare_request(self._request(result, choice), sim_url)

    def _pinned(self) -> tuple[str, ...]:
        name = self.workload_name
        return self.session.pinned(name) if name else ()

    # Drawing

    def on_mount(self) -> None:
        self.query_one("#probes-live").display = False
        self.query_one("#probes-results-title").display = False
        self.query_one("#probes-results-other").display = False
        self.query_one(ProbeResultsTable).display = False
        self.query_one("#probes-offering").display = False
        self.sync()
        self.load_providers()
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
        self._mark_other_workload()
        if self.active_tab == "samples":
            self.show_samples()

    def _mark_other_workload(self) -> None:
        """The results pane says so when its run was made for another workload than this one."""
        note = self.query_one("#probes-results-other", Static)
        shown = self.last_outcome[0] if self.last_outcome else None
        other = shown is not None and shown != self.workload_name
        note.display = other
        if other:
            note.update(
                Text(
                    f"These results are {shown}'s, not {self.workload_name}'s: r probes this one.",
                    style="bold yellow",
                )
            )

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
        offerings = chosen_offerings(result, TOP, pinned)
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
        if "latency" in choice.kinds:
            lines.append(latency_load_line(choice))
        if prepared.simulated:
            lines.append(Text("simulated: nothing is spent", style="dim"))
        if plan.unpriced:
            lines.append(Text(f"no price, not counted: {', '.join(plan.unpriced)}", "yellow"))
        for skip in prepared.skipped:
            lines.append(Text(f"skipped {skip.offering.key}: {skip.reason}", "yellow"))
        if self._providers_problem is not None:
            lines.append(Text(f"live is off: {self._providers_problem}", style="red"))
        elif not self._live_ok():
            lines.append(Text("live is off: no provider key is set", style="dim"))
        return Group(*lines)

    @work(exclusive=True, group="probes-history", exit_on_error=False)
    async def show_history(self) -> None:
        """The run store's runs, read off the UI thread."""
        runs = await asyncio.to_thread(_runs, home.runs_db())
        if self.is_mounted:
            self.query_one(RunHistoryTable).show(runs)

    @on(SelectionList.SelectedChanged)
    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Checkbox.Changed)
    def _controls_changed(self) -> None:
        if not self.is_mounted:
            return
        # A rate makes it an open loop: what is in flight is then up to the server.
        open_loop = bool(self.query_one("#probes-rate", Input).value.strip())
        self.query_one("#probes-concurrency", Input).disabled = open_loop
        poisson = self.query_one("#probes-poisson", Checkbox)
        poisson.disabled = not open_loop
        if not open_loop and poisson.value:
            poisson.value = False
        self.show_estimate()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.active_tab == "history":
            self.show_history()
        elif self.active_tab == "samples":
            self.show_samples()
        if self.focused is None or not self.focused.is_on_screen:
            self._focus_tab(self.active_tab)
        self.refresh_bindings()

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tab":
            return bool(self.session.workloads) and parameters[0] != self.active_tab
        if action == "run":
            return bool(self.session.workloads) and not self.running
        if action == "leave_field":
            return isinstance(self.focused, Input)
        if action == "cancel":
            return self.running
        if action == "cycle":
            return bool(self.session.workloads) and not self.running
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = TABS[tab]
        # Focus moves along: a widget still focused on the tab left behind would bring it back.
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        if tab == "history":
            self.query_one(RunHistoryTable).focus()
        elif tab == "samples":
            self.query_one(SamplesCompareTable).focus()
        else:
            self.query_one("#probes-kinds").focus()

    def action_run(self) -> None:
        choice = self.choice()
        if isinstance(choice, str):
            self.notify(choice, severity="error")
            return
        result = self._result()
        if result is None:
            return
        prepared = self._prepare(result, choice, ESTIMATE_URL if choice.target == "sim" else None)
        refused = refusal(prepared)
        if refused is not None:
            self.notify(str(refused), title=refused.title.capitalize(), severity="error")
            return
        self.action_tab("run")
        self.running = True
        self.cancel_event = asyncio.Event()
        self.refresh_bindings()
        self.run_probes(result, choice, self.cancel_event)

    def action_maximize_pane(self) -> None:
        """`z` gives the results (or the focused pane) the whole screen, and gives it back."""
        if self.maximized is not None:
            self.minimize()
        elif self.active_tab == "run":
            self.maximize(self.query_one("#probes-main", VerticalScroll), container=False)
        elif self.focused is not None:
            self.maximize(self.focused)

    def action_leave_field(self) -> None:
        """Esc in a field leaves it for the results (or the probe kinds before a run)."""
        results = self.query_one("#probes-results", ProbeResultsTable)
        (results if results.display else self.query_one("#probes-kinds")).focus()

    def action_cancel(self) -> None:
        """Esc or `c` cancels a run."""
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
    async def run_probes(
        self, result: MatchResult, choice: ProbeControls, cancel: asyncio.Event
    ) -> None:
        """Run the probes through the one run lifecycle, and show what came back."""
        title = self.query_one("#probes-results-title", Static)
        request = self._request(result, choice)

        def on_phase(text: str) -> None:
            title.display = True
            title.update(Text(text, style="dim"))

        def on_start(prepared: Prepared, run_id: int) -> None:
            self.last_run = run_id
            self._begin(prepared)

        try:
            finished = await run_probes(
                request, cancel=cancel, on_sent=self._on_sent, on_phase=on_phase, on_start=on_start
            )
            self._draw_progress()
            self._show_results(
                finished.run_id,
                finished.status,
                result.workload.name,
                finished.prepared,
                finished.outcome,
            )
        except Exception as error:  # shown, never fatal: the app stays up
            title.display = True
            title.update(Text(f"The run failed: {error}", style="red"))
            self.notify(str(error), title="Probing failed", severity="error", markup=False)
        finally:
            self.running = False
            self.cancel_event = None
            if self.is_mounted:
                self.show_history()
                self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#probes-results")
    def _show_offering(self) -> None:
        """The highlighted offering's retention and correctness, behind their headlines."""
        detail = self.query_one("#probes-offering", Static)
        table = self.query_one(ProbeResultsTable)
        if self.last_outcome is None or not table.row_count:
            detail.display = False
            return
        name, outcome = self.last_outcome
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        summary = offering_summary(outcome, name, str(row))
        detail.display = bool(summary)
        detail.update(summary)

    # The samples view

    @work(exclusive=True, group="probes-samples", exit_on_error=False)
    async def show_samples(self) -> None:
        """The selected workload's samples across the offerings of its latest run with
        sample outputs (made from this workload file), read off the UI thread."""
        name = self.workload_name
        found = None
        if name is not None:
            found = await asyncio.to_thread(_samples, home.runs_db(), name, self.session.path)
        if not self.is_mounted or name != self.workload_name:
            return
        title = self.query_one("#samples-title", Static)
        table = self.query_one(SamplesCompareTable)
        if found is None:
            table.display = False
            self.query_one("#samples-detail", Static).update("")
            title.update(
                Text(
                    f"No run has sample outputs for {name} yet: check samples on the Run tab "
                    "and press r.",
                    style="dim",
                )
            )
            return
        run, comparison = found
        label = "simulated" if run.simulated else "live"
        tallies = [
            f"{key} {agree}/{judged}"
            for key in comparison.offerings
            for agree, judged in [comparison.agreement(key)]
            if judged
        ]
        title.update(
            Text.assemble(
                (f"Run {run.id} ({label})", "bold"),
                f": {len(comparison.answers)} samples × {len(comparison.offerings)} offerings",
                (" · ✓ agrees with expected ✗ does not", "dim"),
                *((f"\nagreement: {' · '.join(tallies)}", ""),) if tallies else (),
            )
        )
        table.show(comparison)
        table.display = True
        self._show_sample_detail()

    @on(DataTable.CellHighlighted, "#probes-samples")
    def _show_sample_detail(self) -> None:
        """The highlighted sample in full: its prompt, what is expected, and the answer of
        the highlighted offering (or every offering's verdict on the first two columns)."""
        table = self.query_one(SamplesCompareTable)
        detail = self.query_one("#samples-detail", Static)
        spot = table.highlighted
        if spot is None or table.comparison is None:
            detail.update("")
            return
        detail.update(sample_detail(table.comparison, self._prompts(), *spot))

    def _prompts(self) -> list[str]:
        """The selected workload's sample prompts (the last message of each)."""
        name = self.workload_name
        workload = next((w for w in self.session.workloads if w.name == name), None)
        if workload is None:
            return []
        return [
            s.prompt if s.prompt is not None else s.messages[-1].content if s.messages else ""
            for s in workload.sample_list
        ]

    def _show_results(
        self, run_id: int, status: str, name: str, prepared: Prepared, outcome: RunOutcome
    ) -> None:
        label = "simulated" if prepared.simulated else "live"
        done, total = self.progress
        spent = "" if prepared.simulated else f" · spent ${prepared.budget.spent_usd:.4f}"
        style = "green" if status == "complete" else "yellow"
        self.query_one("#probes-results-title", Static).update(
            Text.assemble(
                (f"Run {run_id} {status}", f"bold {style}"),
                f" for {name} ({label}): {done} of {total} requests{spent}",
            )
        )
        self.last_outcome = (name, outcome)
        table = self.query_one(ProbeResultsTable)
        table.show(outcome, name, prepared.simulated)
        table.display = True
        self._mark_other_workload()
        self._show_offering()
        self.query_one("#probes-main", VerticalScroll).scroll_end(animate=False)
        # On this screen the title over the results says how the run ended; a notification
        # would cover the results. From another screen, the notification is the only word.
        if self.app.screen is not self:
            self.notify(f"Run {run_id} {status}: {done} of {total} requests ({label})", timeout=3)


def latency_load_line(choice: ProbeControls) -> Text:
    """How the latency probe will send its requests, with how long an open loop lasts."""
    load = choice.load
    text = Text.assemble("latency: ", f"{choice.requests} requests, {load.describe()}")
    if load.mode == "open" and load.rate:
        text.append(f", about {choice.requests / load.rate:.1f} s", style="dim")
    return text


def sample_detail(
    comparison: SampleComparison, prompts: list[str], index: int, column: str
) -> Text:
    """One sample in full: prompt, expected, and one offering's answer with its verdicts, or
    (on the `#` and `expected` columns) every offering's verdicts in a line each."""
    expected = comparison.expected[index]
    text = Text.assemble(
        (f"Sample {index + 1}", "bold"),
        " · expected ",
        ("none" if expected is None else one_line(expected), "bold"),
    )
    if index < len(prompts):
        text.append(f"\n{prompts[index]}", style="dim")
    answers = comparison.answers[index]
    keys = [column] if column in comparison.offerings else comparison.offerings
    for key in keys:
        answer = answers.get(key)
        text.append(f"\n{key}: ", style="bold")
        if answer is None:
            text.append("not sent", style="dim")
            continue
        verdicts = [answer.outcome if answer.outcome != "ok" else ""]
        if answer.agrees is not None:
            verdicts.append("agrees" if answer.agrees else "differs from expected")
        if answer.schema is not None:
            verdicts.append("schema ok" if answer.schema == "valid" else answer.mark)
        if answer.ttft_ms is not None:
            verdicts.append(f"TTFT {answer.ttft_ms:.0f} ms")
        text.append(" · ".join(v for v in verdicts if v), style=answer.style)
        if len(keys) == 1:
            text.append(f"\n{answer.output}")
    return text


def _runs(path: Path) -> list[RunSummary]:
    if not path.exists():
        return []
    with RunStore(path) as store:
        return store.runs()


def _samples(
    path: Path, workload: str, workloads_file: Path | None
) -> tuple[RunSummary, SampleComparison] | None:
    """The newest run with sample outputs for `workload`, and its comparison."""
    if not path.exists():
        return None
    with RunStore(path) as store:
        run = store.latest_run_with(workload, "samples", "outputs", workloads_file)
        if run is None:
            return None
        comparison = compare_samples(stored_outcome(store, run.id), workload)
    return None if comparison is None else (run, comparison)
