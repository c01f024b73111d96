"""The catalog table: one row per offering, sortable, with lifecycle marks.

Columns are laid out for the table's width: the key column takes what the figures leave,
and the input modalities appear only when there is room, so 80 columns stay readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from advisor import units
from advisor.present import catalog
from advisor.tui.widgets.key_column import KeyFit, fit_keys, show_legend
from catalog import Offering
from catalog.disputes import disputed
from catalog.lifecycle import status_on
from catalog.schema import Status

_LAST = float("inf")


@dataclass(frozen=True)
class SortOrder:
    label: str
    key: Callable[[Offering, dt.date], Any]
    """Sort key of an offering on a day (status depends on the day)."""


def _price(offering: Offering, name: str) -> float:
    value = getattr(offering.pricing, name, None) if offering.pricing else None
    return _LAST if value is None else float(value)  # unknown sorts last, never as free


STATUS_ORDER: tuple[Status, ...] = ("preview", "active", "legacy", "deprecated", "retired")


def _price_cell(offering: Offering, name: str) -> str:
    """The price, with '*' when sources dispute it (the detail pane says how)."""
    value = getattr(offering.pricing, name, None) if offering.pricing else None
    mark = "*" if disputed(offering, f"pricing.{name}") else ""
    return units.price(value) + mark


SORT_ORDERS = (
    SortOrder("provider", lambda o, day: o.key),
    SortOrder("context ↓", lambda o, day: -(o.limits.context or 0)),
    SortOrder("input price ↑", lambda o, day: _price(o, "input")),
    SortOrder("output price ↑", lambda o, day: _price(o, "output")),
    SortOrder("status", lambda o, day: STATUS_ORDER.index(status_on(o.lifecycle, day).status)),
)

# (label, width) of the columns after the key; the inputs column only on wide tables.
FIGURES = (("ctx", 5), ("out", 5), ("$in", 5), ("$out", 5))
INPUTS = ("inputs", 20)
STATUS = ("status", 10)
KEY_MIN = 20
PADDING = 2  # DataTable's cell padding, one each side


class OfferingTable(DataTable[Text | str]):
    """Offerings as rows keyed by offering key; posts `Highlighted` as the cursor moves."""

    @dataclass
    class Highlighted(Message):
        offering: Offering | None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._offerings: list[Offering] = []
        self._by_key: dict[str, Offering] = {}
        self._layout_width = 0
        self._today: dt.date | None = None
        self._keys = KeyFit(short=False, width=KEY_MIN)

    def show(
        self, offerings: Sequence[Offering], order: SortOrder, today: dt.date | None = None
    ) -> None:
        """Replace the rows, keeping the cursor on the same offering when it is still shown;
        lifecycle status as of `today` (default: the real today)."""
        self._today = today
        day = today or dt.date.today()
        self._offerings = sorted(offerings, key=lambda o: order.key(o, day))
        self._by_key = {o.key: o for o in offerings}
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._layout_width:
            self._fill()

    def _fill(self) -> None:
        current = self.current
        width = self.size.width or 80
        self._layout_width = width
        wide = width >= 100
        # A token count that is neither a round k nor Ki reads in full (202,752): its column
        # widens for it rather than cut it.
        counts = {
            "ctx": max((len(units.tokens(o.limits.context)) for o in self._offerings), default=0),
            "out": max((len(units.tokens(o.limits.output)) for o in self._offerings), default=0),
        }
        figures = [(label, max(w, counts.get(label, 0))) for label, w in FIGURES]
        fixed = [*figures, *([INPUTS] if wide else []), STATUS]
        room = width - sum(w + PADDING for _, w in fixed) - PADDING - 2  # 2: scrollbar
        keys = [o.key for o in self._offerings]
        self._keys = fit_keys(keys, room, KEY_MIN)
        self.clear(columns=True)
        self.add_column("offering", width=self._keys.width, key="offering")
        for label, column_width in fixed:
            self.add_column(label, width=column_width, key=label)
        for o in self._offerings:
            self.add_row(*self._cells(o, wide), key=o.key)
        show_legend(self, keys, self._keys)
        if current is not None and current.key in self._by_key:
            self.move_cursor(row=self.get_row_index(current.key), animate=False)
        self.post_message(self.Highlighted(self.current))

    def _cells(self, o: Offering, wide: bool) -> list[Text | str]:
        now = status_on(o.lifecycle, self._today or dt.date.today()).status
        style = {"deprecated": "yellow", "retired": "dim strike"}.get(now, "")
        key = self._keys.cell(o.key)
        cells: list[Text | str] = [
            Text(key, style=style),
            Text(units.tokens(o.limits.context), justify="right"),
            Text(units.tokens(o.limits.output), justify="right"),
            Text(_price_cell(o, "input"), justify="right"),
            Text(_price_cell(o, "output"), justify="right"),
        ]
        if wide:
            cells.append(catalog.modalities(o))
        cells.append(Text(now, style=catalog.STATUS_STYLE[now]))
        return cells

    @property
    def current(self) -> Offering | None:
        """The offering under the cursor, if any."""
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self._by_key.get(str(row_key.value))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))
