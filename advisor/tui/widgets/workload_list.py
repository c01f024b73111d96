"""The list of workloads: name, task and the requirements that matter most, one row each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from advisor import units
from advisor.tui.widgets.key_column import middle_ellipsis
from advisor.workload.model import Workload

NAME_WIDTH = (8, 22)
"""The name column fits the longest name within these bounds."""
TASK_WIDTH = 14
PADDING = 2  # DataTable's cell padding, one each side


def requirements(w: Workload) -> str:
    """The requirements that set a workload apart, shortest first: '1.5k→10 · strict · json'."""
    size = units.tokens(w.context_tokens)
    if w.max_context_tokens is not None and w.max_context_tokens != w.context_tokens:
        size += f" (≤{units.tokens(w.max_context_tokens)})"
    parts = [f"{size}→{units.tokens(w.output_tokens)}"]
    if w.determinism != "any":
        parts.append(w.determinism)
    if w.modalities != ["text"]:
        parts.append("+".join(m for m in w.modalities if m != "text") or "text")
    if w.structured_output != "none":
        parts.append(w.structured_output)
    if w.tool_calling:
        parts.append("tools")
    if w.latency.ttft_p95_ms is not None:
        parts.append(f"ttft≤{w.latency.ttft_p95_ms:,.0f}ms")
    if w.latency.e2e_p95_ms is not None:
        parts.append(f"e2e≤{w.latency.e2e_p95_ms:,.0f}ms")
    if w.budget.usd_per_1k_requests is not None:
        parts.append(f"≤{units.usd(w.budget.usd_per_1k_requests)}/1k")
    if w.budget.usd_per_month is not None:
        parts.append(f"≤{units.usd(w.budget.usd_per_month, 0)}/mo")
    if w.volume.requests_per_day is not None:
        parts.append(f"{w.volume.requests_per_day:,.0f}/day")
    if w.open_weights:
        parts.append("open weights")
    if w.data.zero_retention:
        parts.append("zero retention")
    if w.providers.allow:
        parts.append("only " + ",".join(w.providers.allow))
    if w.providers.deny:
        parts.append("not " + ",".join(w.providers.deny))
    return " · ".join(parts)


class WorkloadList(DataTable[Text | str]):
    """Workloads as rows keyed by name; posts `Highlighted` as the cursor moves."""

    BINDINGS = [
        Binding("n", "screen.new", "New", id="workloads.new"),
        Binding("d", "screen.delete", "Delete", id="workloads.delete"),
        Binding("enter", "screen.edit", "Edit", id="workloads.edit"),
    ]

    @dataclass
    class Highlighted(Message):
        name: str | None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._workloads: list[Workload] = []
        self._layout_width = 0

    def show(self, workloads: Sequence[Workload], selected: str | None) -> None:
        """Replace the rows and put the cursor on `selected`."""
        self._workloads = list(workloads)
        self._fill(selected)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._layout_width:
            self._fill(self.current)

    def _fill(self, selected: str | None) -> None:
        width = self.size.width or 80
        self._layout_width = width
        longest = max((len(w.name) for w in self._workloads), default=0)
        name_width = max(NAME_WIDTH[0], min(NAME_WIDTH[1], longest))
        room = width - name_width - TASK_WIDTH - 3 * PADDING - 2  # 2: scrollbar
        self.clear(columns=True)
        self.add_column("workload", width=name_width, key="name")
        self.add_column("task", width=TASK_WIDTH, key="task")
        self.add_column("needs", width=max(room, 10), key="needs")
        for w in self._workloads:
            self.add_row(middle_ellipsis(w.name, name_width), w.task, requirements(w), key=w.name)
        names = [w.name for w in self._workloads]
        if selected in names:
            self.move_cursor(row=names.index(selected), animate=False)
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> str | None:
        """The name of the workload under the cursor, if any."""
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))
