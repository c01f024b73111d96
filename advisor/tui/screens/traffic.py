"""The Traffic screen: open a request log, see the workloads it implies and their
distributions, and save them as a workload file to review on the Workloads screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from advisor import units
from advisor.session import Session
from advisor.traffic.derive import CLUSTER_BY, ClusterBy
from advisor.traffic.from_logs import Derived, derive, save
from advisor.traffic.propose import Proposal
from advisor.traffic.sketch import Quantiles
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.path_prompt import PathDialog
from catalog import Catalog
from catalog.errors import AdvisorError

BARS = "▁▂▃▄▅▆▇█"
HISTOGRAM_BINS = 24


def bars(counts: list[int] | list[float]) -> str:
    """A one-line histogram: each count as a block from ▁ (none) to █ (the largest)."""
    top = max(counts, default=0)
    if not top:
        return BARS[0] * len(counts)
    return "".join(BARS[round(c / top * (len(BARS) - 1))] for c in counts)


class TrafficScreen(Screen[None]):
    """Workloads derived from a request log, one per cluster of its traffic."""

    DEFAULT_CSS = """
    TrafficScreen #traffic-title { height: 1; padding: 0 1; }
    TrafficScreen #traffic-clusters { height: 1fr; }
    TrafficScreen #traffic-detail { height: auto; max-height: 12; padding: 0 1; }
    """

    BINDINGS = [
        Binding("o", "open_log", "Open log", id="traffic.open"),
        Binding("b", "cycle_by", "Cluster by", id="traffic.by"),
        Binding("s", "save", "Save", id="traffic.save"),
    ]

    def __init__(self, catalog: Catalog, session: Session | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.session = session
        """Told which log is open, so the Plan screen offers to replay it."""
        self.by: ClusterBy = "route"
        self.paths: list[Path] = []
        self.derived: Derived | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="traffic-title", markup=False)
        yield DataTable(id="traffic-clusters", cursor_type="row", zebra_stripes=True)
        yield Static(id="traffic-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            "workload", "requests", "in p50", "in p95", "in max", "out p50", "peak rpm"
        )
        self._show()

    def _show(self) -> None:
        title = self.query_one("#traffic-title", Static)
        table = self.query_one(DataTable)
        table.clear()
        if self.derived is None:
            title.update(
                "No log open. o: open a request log (OpenAI JSONL, LiteLLM spend logs, OTLP JSON)"
            )
            self.query_one("#traffic-detail", Static).update("")
            return
        names = ", ".join(p.name for p in self.paths)
        title.update(
            f"{names}: {units.count(self.derived.traffic.requests, 'request')}, "
            f"by {self.by} · F6 then l replays it through the plan"
        )
        for p in self.derived.proposals:
            c, w = p.cluster, p.workload
            table.add_row(
                w.name,
                f"{c.count:,}",
                units.tokens(w.context_tokens if c.inputs.count else None),
                units.tokens(_q(c.inputs, 0.95)),
                units.tokens(int(c.inputs.max) if c.inputs.count else None),
                units.tokens(w.output_tokens if c.outputs.count else None),
                f"{c.peak_rpm:,}" if c.hours else units.UNKNOWN,
                key=w.name,
            )
        self._detail(0)
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, row: int) -> None:
        detail = self.query_one("#traffic-detail", Static)
        if self.derived is None or not 0 <= row < len(self.derived.proposals):
            detail.update("")
            return
        detail.update(_distributions(self.derived.proposals[row]))

    def action_open_log(self) -> None:
        self._ask_and_open()

    @work(group="dialogs", exit_on_error=False)
    async def _ask_and_open(self) -> None:
        logs = self.paths or (self.session.logs if self.session else [])
        current = str(logs[0]) if logs else ""
        path = await self.app.push_screen_wait(
            PathDialog("Open a request log", current, hint="JSONL or JSON")
        )
        if path is not None:
            self.paths = [path]
            if self.session is not None:
                self.session.logs = [path]
            self.load()

    def action_cycle_by(self) -> None:
        self.by = CLUSTER_BY[(CLUSTER_BY.index(self.by) + 1) % len(CLUSTER_BY)]
        if self.paths:
            self.load()
        else:
            self.notify(f"Clusters by {self.by}", timeout=2)

    @work(exclusive=True, group="traffic", exit_on_error=False)
    async def load(self) -> None:
        """Read the log off the UI thread and show its workloads."""
        self.query_one("#traffic-title", Static).update(f"reading {self.paths[0]}…")
        try:
            self.derived = await asyncio.to_thread(derive, self.paths, self.catalog, by=self.by)
        except AdvisorError as error:
            self.derived = None
            self._show()
            body = Text("\n".join(error.lines()))
            self.app.push_screen(DetailDialog(f"Cannot read {self.paths[0]}", body, error=True))
            return
        self._show()

    def action_save(self) -> None:
        if self.derived is None:
            self.notify("Open a log first (o).", severity="warning")
            return
        self._save(self.derived)

    @work(group="dialogs", exit_on_error=False)
    async def _save(self, derived: Derived) -> None:
        path = await self.app.push_screen_wait(
            PathDialog("Save the derived workloads as", "workloads-from-logs.yaml")
        )
        if path is None:
            return
        if path.exists() and not await self.app.push_screen_wait(
            ConfirmDialog(f"{path} exists. Replace it?", "Replace")
        ):
            return
        try:
            await asyncio.to_thread(save, path, derived.text, force=True)
        except AdvisorError as error:
            self.notify(str(error), title=f"Cannot save {path}", severity="error", markup=False)
            return
        self.notify(
            f"Saved {units.count(len(derived.proposals), 'workload')} to {path}; "
            "Ctrl+O opens it for review",
            timeout=4,
            markup=False,
        )


def _q(sketch: Quantiles, at: float) -> int | None:
    value = sketch.quantile(at)
    return None if value is None else round(value)


def _distributions(p: Proposal) -> Text:
    c = p.cluster
    text = Text()
    text.append(p.about.splitlines()[0], style="bold")
    text.append("\n")
    for label, sketch in (("input tokens ", c.inputs), ("output tokens", c.outputs)):
        if not sketch.count:
            text.append(f"{label}  unknown\n", style="dim")
            continue
        text.append(f"{label}  {bars(sketch.histogram(HISTOGRAM_BINS))}  ", style="cyan")
        text.append(
            f"{units.tokens(round(sketch.min))}…{units.tokens(round(sketch.max))} (log scale)\n"
        )
    if c.hours:
        by_hour = c.rpm_by_hour()
        text.append(f"{'arrivals':13}  {bars(by_hour)}  ", style="green")
        text.append(f"rpm by hour 00-23 UTC, peak {c.peak_rpm:,} rpm\n")
    shares = [
        ("images", c.images),
        ("tools", c.tools),
        ("JSON", c.structured),
    ]
    text.append(" · ".join(f"{name} {c.share(n):.0%}" for name, n in shares))
    if c.status_known:
        text.append(f" · errors {c.errors / c.status_known:.0%}")
    if c.window_known:
        text.append(f" · near context limit {c.near_limit / c.window_known:.0%}")
    return text
