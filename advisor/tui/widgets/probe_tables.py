"""Tables of the Probes screen: the headline figures of a run, and the run store's history."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from advisor.probe_report import HEADLINES
from probes.run import Outcome
from probes.store import RunSummary


class ProbeResultsTable(DataTable[str | Text]):
    """One row per probed offering of a workload: the headline figure of each probe kind."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("offering", key="offering")
        self.add_column("data", key="data")
        for column, *_ in HEADLINES:
            self.add_column(column, key=column)

    def show(self, outcome: Outcome, workload: str, simulated: bool) -> None:
        self.clear()
        label = Text("sim", style="yellow") if simulated else Text("live", style="green")
        offerings = sorted({key for (w, key, _) in outcome.figures if w == workload})
        for offering in offerings:
            cells: list[str | Text] = [offering, label]
            for _, probe, metric, fmt in HEADLINES:
                figures = outcome.figures.get((workload, offering, probe), [])
                figure = next((f for f in figures if f.metric == metric), None)
                if figure is None or figure.value is None:
                    cells.append(Text("–", style="dim"))
                else:
                    cells.append(Text(fmt.format(figure.value), justify="right"))
            self.add_row(*cells, key=offering)


class RunHistoryTable(DataTable[str | Text]):
    """The run store's runs, newest first."""

    STATUS_STYLE = {"complete": "green", "cancelled": "yellow", "failed": "red"}

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for column in ("run", "started", "status", "data", "requests", "offerings", "spent"):
            self.add_column(column, key=column)

    def show(self, runs: Sequence[RunSummary]) -> None:
        self.clear()
        for run in runs:
            self.add_row(
                Text(str(run.id), justify="right"),
                run.started_at[:19].replace("T", " "),
                Text(run.status, style=self.STATUS_STYLE.get(run.status, "")),
                "simulated" if run.simulated else "live",
                Text(str(run.attempts), justify="right"),
                Text(str(run.offerings), justify="right"),
                Text("–" if run.spent_usd is None else f"${run.spent_usd:.4f}", justify="right"),
                key=str(run.id),
            )
