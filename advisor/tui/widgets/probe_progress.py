"""Live views of a probing run: per-target progress bars and a histogram of first-token times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from advisor.tui.widgets.key_column import fit_keys, legend_text

BUCKETS = 16
"""Histogram columns: fine enough to show a spread, narrow enough for 80 columns."""
KEY_LEAST = 12
"""The narrowest the key column of the progress rows gets."""


def target_progress(
    done: Mapping[str, int], totals: Mapping[str, int], width: int = 80
) -> RenderableType:
    """One row per target: its key (shortened by the table rule when `width` is short of
    room, with the legend under the rows), a bar and done/total."""
    counts = max((len(f"{total}/{total}") for total in totals.values()), default=0)
    keys = fit_keys(list(totals), (width - counts - 2) * 2 // 3, KEY_LEAST)
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=keys.width, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_column(justify="right", no_wrap=True)
    for key, total in totals.items():
        sent = done.get(key, 0)
        grid.add_row(
            keys.cell(key),
            ProgressBar(total=max(total, 1), completed=sent),
            Text(f"{sent}/{total}", style="green" if sent >= total else ""),
        )
    legend = legend_text(totals, keys)
    return Group(grid, Text(legend, style="dim")) if legend else grid


def buckets(values: Sequence[float], count: int = BUCKETS) -> list[float]:
    """How many of `values` fall in each of `count` equal slices of their range."""
    if not values:
        return []
    low, high = min(values), max(values)
    width = (high - low) / count or 1.0
    counts = [0.0] * count
    for value in values:
        counts[min(int((value - low) / width), count - 1)] += 1
    return counts


class TargetProgress(Static):
    """Requests done per target."""

    def show(self, done: Mapping[str, int], totals: Mapping[str, int]) -> None:
        self.update(target_progress(done, totals, self.size.width or 80))


class LatencyHistogram(Vertical):
    """First-token times seen so far: bucket counts as a sparkline, with the range below."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values: list[float] = []

    def compose(self) -> ComposeResult:
        yield Sparkline([], id="latency-sparkline")
        yield Static(id="latency-range")

    def clear(self) -> None:
        self.values = []
        self._draw()

    def add(self, values: Sequence[float]) -> None:
        self.values.extend(values)
        self._draw()

    def _draw(self) -> None:
        self.query_one(Sparkline).data = buckets(self.values)
        label = self.query_one("#latency-range", Static)
        if not self.values:
            label.update(Text("TTFT histogram: no replies yet", style="dim"))
            return
        low, high = min(self.values), max(self.values)
        label.update(
            Text.assemble(
                ("TTFT ", "bold"),
                f"{low:.0f} ms … {high:.0f} ms",
                (f" · n={len(self.values)}", "dim"),
            )
        )
