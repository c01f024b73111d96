"""Tables of the Probes screen: the headline figures of a run, the workload's samples across
offerings, and the run store's history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from advisor.present.probe import HEADLINES, SampleAnswer, SampleComparison
from advisor.tui.widgets.key_column import KeyFit, fit_keys, show_legend
from probes.run import RunOutcome
from probes.store import RunSummary


class ProbeResultsTable(DataTable[str | Text]):
    """One row per probed offering of a workload: the headline figure of each probe kind."""

    _shown: tuple[RunOutcome, str, bool] | None = None
    _laid_out_at = 0

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True

    def on_resize(self, event: events.Resize) -> None:
        if self._shown and event.size.width != self._laid_out_at:
            self.show(*self._shown)

    def show(self, outcome: RunOutcome, workload: str, simulated: bool) -> None:
        """Show `workload`'s figures; probe kinds that did not run take no column, and keys
        are shortened by `advisor.columns.short_key` when whole ones would crowd the figures."""
        self.clear(columns=True)
        label = Text("sim", style="yellow") if simulated else Text("live", style="green")
        offerings = sorted({key for (w, key, _) in outcome.figures if w == workload})
        figures: dict[str, list[Text | None]] = {}
        for offering in offerings:
            figures[offering] = []
            for _, probe, metric, fmt in HEADLINES:
                found = outcome.figures.get((workload, offering, probe), [])
                figure = next((f for f in found if f.metric == metric), None)
                figures[offering].append(
                    None
                    if figure is None or figure.value is None
                    else Text(fmt.format(figure.value), justify="right")
                )
        shown = [
            i for i in range(len(HEADLINES)) if any(figures[o][i] is not None for o in offerings)
        ]
        self._shown = (outcome, workload, simulated)
        # Hidden, the table has no width yet: laid out again once it has one (on_resize).
        width = self._laid_out_at = self.size.width or 80
        widths = [
            max(len(HEADLINES[i][0]), *(len(figures[o][i] or "–") for o in offerings)) + 2
            for i in shown
        ]
        keys = fit_keys(offerings, width - sum(widths) - 10, len("offering"))
        key_width = max((len(keys.shown(o)) for o in offerings), default=0) + 2
        if key_width + len("data") + 2 + sum(widths) > width:
            # A figure a line: the figures' column is as wide as the longest "name value".
            line = max(
                (len(HEADLINES[i][0]) + w for i, w in zip(shown, widths, strict=True)), default=4
            )
            keys = fit_keys(offerings, width - line - 6, len("offering"))
            self._records(offerings, keys, label, [(HEADLINES[i][0], i) for i in shown], figures)
        else:
            self.add_column("offering", key="offering")
            self.add_column("data", key="data")
            for i in shown:
                self.add_column(HEADLINES[i][0], key=HEADLINES[i][0])
            for offering in offerings:
                cells: list[str | Text] = [keys.shown(offering), label]
                cells += [figures[offering][i] or Text("–", style="dim") for i in shown]
                self.add_row(*cells, key=offering)
        show_legend(self, offerings, keys)

    def _records(
        self,
        offerings: list[str],
        keys: KeyFit,
        label: Text,
        named: list[tuple[str, int]],
        figures: dict[str, list[Text | None]],
    ) -> None:
        """Too narrow for a column per figure: one record per offering, a figure a line
        (advisor.columns' rule), so no header or figure is cut."""
        self.add_column("offering", key="offering")
        self.add_column("figures", key="figures")
        for offering in offerings:
            lines = [
                Text.assemble((f"{name} ", "dim"), figures[offering][i] or Text("–", style="dim"))
                for name, i in named
            ]
            shown = Text("\n").join(lines) if lines else Text("–", style="dim")
            offering_cell = Text.assemble(keys.cell(offering), "\n", label)
            self.add_row(offering_cell, shown, key=offering, height=max(2, len(lines)))


class SamplesCompareTable(DataTable[str | Text]):
    """The workload's samples (rows) across the offerings of one run (columns). Each cell is
    the start of an answer: ✓ and green when it agrees with `expected`, ✗ and red when it
    does not, with ✗schema, ✗fenced or ✗json when its form is wrong. The screen shows the
    highlighted cell in full."""

    MIN_WIDTH = 12
    """The narrowest an answer or expected column gets; wider tables share their width."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.comparison: SampleComparison | None = None

    def on_mount(self) -> None:
        self.cursor_type = "cell"
        self.zebra_stripes = True

    def show(self, comparison: SampleComparison) -> None:
        self.comparison = comparison
        self.clear(columns=True)
        # The expected answer and each offering share the width equally; headers name the
        # offering by its whole key, or by `short_key` when whole keys do not fit.
        columns = 1 + len(comparison.offerings)
        room = max((self.size.width or 80) - 4 - 2 * (columns + 1) - 2, 0)
        width = max(self.MIN_WIDTH, room // columns)
        keys = fit_keys(comparison.offerings, width, width)
        self.add_column("#", key="#")
        self.add_column("expected", key="expected", width=width)
        for key in comparison.offerings:
            # Cut in the middle if need be: keys of one provider differ at their ends.
            self.add_column(keys.cell(key), key=key, width=width)
        show_legend(self, comparison.offerings, keys)
        for i, (expected, answers) in enumerate(
            zip(comparison.expected, comparison.answers, strict=True)
        ):
            cells: list[str | Text] = [
                Text(str(i + 1), justify="right"),
                Text("–" if expected is None else one_line(expected), style="dim"),
            ]
            cells += [answer_cell(answers.get(key)) for key in comparison.offerings]
            self.add_row(*cells, key=str(i))

    @property
    def highlighted(self) -> tuple[int, str] | None:
        """The sample index and column key under the cursor."""
        if self.comparison is None or not self.row_count:
            return None
        row, column = self.cursor_coordinate
        keys = ["#", "expected", *self.comparison.offerings]
        return row, keys[min(column, len(keys) - 1)]


def one_line(value: object) -> str:
    """A value on one line, structured values as JSON (as a workload file writes them),
    line breaks as spaces."""
    text = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return " ".join(text.split())


def answer_cell(answer: SampleAnswer | None) -> Text:
    """✓ or ✗ against `expected`, then what is wrong with the form (narrow columns cut the
    end, so it comes first), then the answer."""
    if answer is None:
        return Text("– not sent", style="dim")
    if answer.outcome != "ok":
        return Text(f"✗ {answer.outcome}", style="red")
    symbol = " " if answer.agrees is None else "✓" if answer.agrees else "✗"
    mark = f"{answer.mark} " if answer.mark else ""
    return Text(f"{symbol} {mark}{one_line(answer.output)}", style=answer.style)


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
